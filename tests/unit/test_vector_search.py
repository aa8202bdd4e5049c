"""Nearest-neighbour search: exact, and the inverted-file index used for large corpora."""

from __future__ import annotations

import numpy as np
import pytest

from truthgraph import vector_search
from truthgraph.vector_search import InvertedFileIndex, exact_search


def clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``clusters`` centres (text embeddings are clustered by topic, not uniform)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    rows = centres[rng.integers(0, clusters, n)] + 0.25 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_exact_search_ranks_by_dot_product() -> None:
    matrix = np.eye(4, dtype=np.float32)
    rows, scores = exact_search(matrix, np.array([0.1, 0.9, 0.0, 0.5], dtype=np.float32), 2)
    assert rows.tolist() == [1, 3] and scores.tolist() == pytest.approx([0.9, 0.5])
    assert exact_search(matrix, matrix[0], 0)[0].size == 0
    assert len(exact_search(matrix, matrix[0], 10)[0]) == 4


def test_the_index_sorts_rows_by_cell_and_covers_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector_search, "ROWS_PER_LIST", 100)
    matrix = clustered(4000)
    index = InvertedFileIndex.build(matrix)
    assert len(index.centroids) == 40 and index.offsets[-1] == 4000
    assert sorted(index.order.tolist()) == list(range(4000))
    assert np.allclose(np.linalg.norm(index.centroids, axis=1), 1.0, atol=1e-5)
    assert 8 <= index.probes < 40 and index.nbytes > 0


def test_the_index_finds_most_exact_neighbours_reading_a_fraction_of_the_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector_search, "ROWS_PER_LIST", 100)
    matrix = clustered(6000, seed=1)
    index = InvertedFileIndex.build(matrix)
    ordered = matrix[index.order]
    rng = np.random.default_rng(2)
    found = []
    for row in rng.integers(0, len(matrix), 40):
        query = matrix[row] + 0.05 * rng.normal(size=matrix.shape[1]).astype(np.float32)
        query /= np.linalg.norm(query)
        exact, _ = exact_search(matrix, query, 10)
        approximate, scores = index.search(ordered, query, 10)
        assert list(scores) == sorted(scores, reverse=True)
        found.append(len(set(exact.tolist()) & set(index.order[approximate].tolist())) / 10)
    assert np.mean(found) >= 0.9
    assert index.probes / len(index.centroids) <= 0.25  # it read a quarter of the cells or fewer
