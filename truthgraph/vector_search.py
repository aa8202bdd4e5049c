"""Nearest-neighbour search over a corpus's unit vectors: exact below a size, an inverted-file index above it.

An exact search reads every vector: at a million 384-wide float32 vectors that is 1.5 GB per query, about 100 ms on
one core, bound by memory bandwidth. The inverted-file index (IVF) clusters the vectors by k-means into ``lists``
cells; a query scores the cell centroids, then only the vectors of its ``probes`` nearest cells (about
``probes / lists`` of the corpus), and ranks those exactly. The vectors are kept sorted by cell, so a cell is one
contiguous slice: no copy per query. Building is k-means on a sample and one assignment pass over all vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Corpora with fewer vectors are searched exactly.
IVF_MIN_ROWS = 50_000
#: Vectors per cell the index aims at (the number of cells is the row count over this, at least 16).
ROWS_PER_LIST = 1_000
#: Share of the cells a query visits, and the fewest it visits. Measured on the default corpus's MiniLM vectors in
#: 100 cells (the shape of a million vectors in cells of 1,000, scaled down), 400 everyday and FEVER claims as
#: queries: visiting 1/16 of the cells finds 0.83 of the exact ten nearest (0.77 of the fifty), 1/8 finds 0.89 (0.85)
#: at twice the cost. On vectors with no topical structure (the uniform synthetic corpus of bench/) recall is far
#: lower: 0.36 of the queries' own passages in the first five at 100k, against 0.88 exactly.
PROBE_SHARE, MIN_PROBES = 1 / 16, 8
#: Vectors k-means trains on (a seeded sample), and its iterations.
TRAIN_SAMPLE, TRAIN_ITERATIONS = 32_768, 8
#: Rows scored per block while assigning vectors to cells (bounds the temporary score matrix).
ASSIGN_BLOCK = 16_384


@dataclass(frozen=True)
class InvertedFileIndex:
    """Cells of an IVF index over vectors sorted by cell: cell ``c`` holds rows ``offsets[c]:offsets[c + 1]``.

    ``order[i]`` is the row, in the caller's original order, of sorted row ``i``.
    """

    centroids: np.ndarray
    offsets: np.ndarray
    order: np.ndarray
    probes: int

    @property
    def nbytes(self) -> int:
        """Memory held by the index beside the vectors."""
        return self.centroids.nbytes + self.offsets.nbytes + self.order.nbytes

    @classmethod
    def build(cls, matrix: np.ndarray, *, seed: int = 0) -> InvertedFileIndex:
        """Cluster ``matrix``'s rows (unit vectors) and return the index; sort the rows with ``order``."""
        n = len(matrix)
        lists = max(16, n // ROWS_PER_LIST)
        rng = np.random.default_rng(seed)
        sample = matrix[np.sort(rng.choice(n, size=min(n, max(TRAIN_SAMPLE, lists * 4)), replace=False))]
        centroids = sample[rng.choice(len(sample), size=lists, replace=False)].copy()
        for _ in range(TRAIN_ITERATIONS):
            assigned = _nearest(sample, centroids)
            sums = np.zeros_like(centroids)
            np.add.at(sums, assigned, sample)
            counts = np.bincount(assigned, minlength=lists)
            empty = counts == 0
            sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()), replace=False)]
            centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        assigned = _nearest(matrix, centroids)
        order = np.argsort(assigned, kind="stable")
        offsets = np.zeros(lists + 1, dtype=np.int64)
        np.cumsum(np.bincount(assigned, minlength=lists), out=offsets[1:])
        probes = min(lists, max(MIN_PROBES, math.ceil(lists * PROBE_SHARE)))
        return cls(centroids.astype(np.float32), offsets, order, probes)

    def search(self, matrix: np.ndarray, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best rows of ``matrix`` (sorted by cell, see ``order``) among the cells nearest ``query``.

        Returns ``(sorted rows, scores)``, best first.
        """
        near = np.sort(np.argpartition(-(self.centroids @ query), self.probes - 1)[: self.probes])
        rows = np.concatenate([np.arange(self.offsets[c], self.offsets[c + 1]) for c in near])
        scores = np.concatenate([np.einsum("ij,j->i", matrix[self.offsets[c] : self.offsets[c + 1]], query)
                                 for c in near])
        return _best(rows, scores, n)


def _nearest(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The nearest centroid (largest dot product) of each row, in blocks."""
    out = np.empty(len(rows), dtype=np.int64)
    for start in range(0, len(rows), ASSIGN_BLOCK):
        block = rows[start : start + ASSIGN_BLOCK]
        out[start : start + len(block)] = np.argmax(block @ centroids.T, axis=1)
    return out


def exact_search(matrix: np.ndarray, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` rows of ``matrix`` with the largest dot product with ``query``: ``(rows, scores)``, best first."""
    # einsum runs in this thread; a BLAS matrix-vector product wakes a thread pool per call, which costs more than
    # the product itself when the cores are busy (e.g. with the embedder's own threads).
    scores = np.einsum("ij,j->i", matrix, query)
    return _best(np.arange(len(matrix)), scores, n)


def _best(rows: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return rows[top], scores[top]
