"""Tokenisation and length-sorted batching for ONNX text models (``tokenizers`` and numpy only)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ModelLoadError

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer


def load_tokenizer(folder: str | os.PathLike[str], max_length: int) -> Tokenizer:
    """The ``tokenizer.json`` of ``folder``, truncating to ``max_length`` tokens and not padding."""
    from tokenizers import Tokenizer

    path = Path(folder) / "tokenizer.json"
    if not path.is_file():
        raise ModelLoadError(f"no tokenizer.json in {folder}")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    return tokenizer


def length_batches(
    encodings: Sequence[Encoding],
    batch_size: int,
    input_names: Sequence[str],
    pad_id: int = 0,
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Yield ``(indices, feed)`` per batch: similar lengths together, each batch padded to its longest member."""
    lengths = np.array([len(e.ids) for e in encodings])
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        width = int(lengths[indices].max())
        ids = np.full((len(indices), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(indices), width), dtype=np.int64)
        types = np.zeros((len(indices), width), dtype=np.int64)
        for row, i in enumerate(indices):
            enc = encodings[i]
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        yield indices, {name: feed[name] for name in input_names}
