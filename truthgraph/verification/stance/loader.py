"""Choosing a stance model from a configuration string."""

from __future__ import annotations

from pathlib import Path

from ...errors import ModelLoadError
from ..base import StanceModel

#: The stance model packaged with TruthGraph (an MPNet cross-encoder fine-tuned for stance, int8 ONNX).
DEFAULT_STANCE_DIR = Path(__file__).resolve().parent.parent / "models" / "stance-mpnet"


def stance_model_folder(spec: str, default: Path = DEFAULT_STANCE_DIR) -> Path:
    """The folder a model setting names: ``default`` (the packaged stance model) for ``"default"``, else the path."""
    return default if spec.strip() == "default" else Path(spec.strip()).expanduser()


def load_stance_model(spec: str, *, threads: int | None = None) -> StanceModel:
    """``"default"``, a folder with ``model.onnx`` (ONNX), or a folder with ``config.json`` (Hugging Face)."""
    folder = stance_model_folder(spec)
    if (folder / "model.onnx").is_file():
        from .onnx_model import OnnxStanceModel

        return OnnxStanceModel(folder, threads=threads)
    if (folder / "config.json").is_file():
        from .hf_model import HFStanceModel

        return HFStanceModel(folder, threads=threads)
    if not folder.is_dir():
        raise ModelLoadError(f"stance model {spec!r}: no such folder (use 'default' or a model folder)")
    raise ModelLoadError(
        f"stance model {spec!r}: the folder holds neither model.onnx (ONNX export) nor config.json (Hugging Face)"
    )
