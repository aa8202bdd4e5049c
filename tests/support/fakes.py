"""Test doubles for the verification library's interfaces (Embedder, StanceModel)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence

import numpy as np


class HashEmbedder:
    """An Embedder: hashed bag of words, unit length; ``synonyms`` maps words onto one another."""

    def __init__(
        self, *, name: str = "fake-embedder", dimension: int = 32, synonyms: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.dimension = dimension
        self.synonyms = dict(synonyms or {})
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                word = self.synonyms.get(word, word)
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


class KeywordStanceModel:
    """A StanceModel: entails when the evidence says "confirms", contradicts when it says "denies", else neutral.

    ``denies`` is the row given to "denies" evidence; the batches the model was given are kept in ``calls``.
    """

    name = "fake-stance"

    def __init__(self, *, denies: tuple[float, float, float] = (0.05, 0.9, 0.05)) -> None:
        self.denies = list(denies)
        self.calls: list[list[tuple[str, str]]] = []

    def predict(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.calls.append(list(pairs))
        rows = []
        for evidence, _claim in pairs:
            if "confirms" in evidence:
                rows.append([0.9, 0.05, 0.05])
            elif "denies" in evidence:
                rows.append(self.denies)
            else:
                rows.append([0.1, 0.1, 0.8])
        return np.asarray(rows, dtype=np.float32).reshape(len(pairs), 3)
