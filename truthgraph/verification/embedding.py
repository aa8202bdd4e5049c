"""Sentence embeddings on onnxruntime: mean pooling over the attention mask, then L2 normalisation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .onnx_folder import load_onnx_folder
from .onnx_text import length_batches

#: The embedder packaged with TruthGraph (all-MiniLM-L6-v2 exported to ONNX).
DEFAULT_EMBEDDER_DIR = Path(__file__).resolve().parent / "models" / "minilm-embedder"
#: Texts longer than this many tokens are cut (all-MiniLM-L6-v2 was trained on 256).
DEFAULT_MAX_LENGTH = 256
#: Texts per onnxruntime call.
DEFAULT_BATCH_SIZE = 64


class OnnxEmbedder:
    """An :class:`~truthgraph.verification.base.Embedder` backed by an exported sentence-transformers model."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        max_length: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        loaded = load_onnx_folder(
            folder, what="embedding model", default_max_length=DEFAULT_MAX_LENGTH, max_length=max_length,
            threads=threads,
        )
        self.name: str = loaded.name
        self.dimension: int = int(loaded.config.get("dimension", 0))
        self.max_length = loaded.max_length
        self.batch_size = batch_size
        self._tokenizer = loaded.tokenizer
        self._session = loaded.session
        self._inputs = loaded.inputs
        if not self.dimension:
            self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Float32 unit vectors of shape ``(len(texts), dimension)``."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        for indices, feed in length_batches(encodings, self.batch_size, self._inputs):
            hidden = self._session.run(None, feed)[0]
            out[indices] = mean_pool(hidden, feed["attention_mask"])
        return normalise(out)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Average of token vectors ``(batch, tokens, dim)`` over the tokens the mask keeps."""
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def load_default_embedder(*, threads: int | None = None) -> OnnxEmbedder:
    """The packaged MiniLM embedder."""
    return OnnxEmbedder(DEFAULT_EMBEDDER_DIR, threads=threads)
