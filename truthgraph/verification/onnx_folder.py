"""An exported model folder (``model.onnx``, ``tokenizer.json``, ``config.json``) loaded for onnxruntime.

The embedder and the stance model both load their folder here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from ..errors import ModelLoadError
from .onnx_text import load_tokenizer
from .onnx_weights import open_session


@dataclass(frozen=True)
class OnnxFolder:
    """What a model folder holds, ready to run.

    Attributes:
      config: the folder's ``config.json`` (empty when it has none and none is required).
      name: the model's name (``config["name"]``, else the folder's name).
      max_length: the longest input in tokens: the caller's, else ``config["max_length"]``, else the default.
      tokenizer: the folder's tokenizer, truncating and padding to ``max_length``.
      session: the onnxruntime session of ``model.onnx``.
      inputs: the names of the session's inputs.
    """

    config: dict[str, Any]
    name: str
    max_length: int
    tokenizer: Tokenizer
    session: Any
    inputs: list[str]


def load_onnx_folder(
    folder: str | os.PathLike[str],
    *,
    what: str,
    default_max_length: int,
    max_length: int | None = None,
    threads: int | None = None,
    config_required: bool = False,
) -> OnnxFolder:
    """Load a model folder; ``what`` names the model in errors (``"stance model"``); ModelLoadError on failure."""
    folder = Path(folder)
    config = read_config(folder, what=what, required=config_required)
    length = max_length or int(config.get("max_length") or default_max_length)
    session = open_session(folder / "model.onnx", threads=threads)
    return OnnxFolder(
        config=config,
        name=str(config.get("name", folder.name)),
        max_length=length,
        tokenizer=load_tokenizer(folder, length),
        session=session,
        inputs=[i.name for i in session.get_inputs()],
    )


def read_config(folder: Path, *, what: str, required: bool) -> dict[str, Any]:
    """The folder's ``config.json``; an empty dict when there is none and none is ``required``."""
    if not folder.is_dir():
        raise ModelLoadError(f"{what} folder {folder} does not exist")
    path = folder / "config.json"
    if not path.is_file():
        if required:
            raise ModelLoadError(f"no config.json in {what} folder {folder}")
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelLoadError(f"unreadable {path}: {exc}") from exc
