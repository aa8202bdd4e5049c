"""Hybrid retrieval: BM25 and dense candidates fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..domain import Passage
from ..evidence_store import EvidenceStore, Hit
from .base import Embedder

#: Candidates each retriever (BM25, dense) contributes before fusion.
DEFAULT_CANDIDATES = 50
#: The ``k`` of reciprocal rank fusion: a passage scores ``sum(1 / (k + rank))`` over the lists it is in, ranks
#: counting from 1. 60 is the value of Cormack, Clarke and Büttcher (SIGIR 2009); it damps the weight of the very
#: top ranks so that agreement between the two lists counts more than either list's first place.
DEFAULT_RRF_K = 60


@dataclass(frozen=True)
class RetrievedPassage:
    """A passage with its fused score and the ranks and scores behind it (``None`` where a list missed it)."""

    passage: Passage
    score: float
    bm25_rank: int | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None


class HybridRetriever:
    """Finds the passages of some corpora that best match a query (BM25 only where a corpus has no vectors)."""

    def __init__(
        self,
        store: EvidenceStore,
        embedder: Embedder | None,
        *,
        candidates: int = DEFAULT_CANDIDATES,
        rrf_k: int = DEFAULT_RRF_K,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k

    def retrieve(self, query: str, corpora: Sequence[str], top_k: int) -> list[RetrievedPassage]:
        """The ``top_k`` passages by fused rank, best first."""
        lexical = self.bm25(query, corpora, max(self.candidates, top_k))
        dense = self.dense(query, corpora, max(self.candidates, top_k))
        fused = fuse([lexical, dense], self.rrf_k)[:top_k]
        passages = self.store.passages_by_key(key for key, _ in fused)
        lexical_at = {hit.key: (rank, hit.score) for rank, hit in enumerate(lexical, 1)}
        dense_at = {hit.key: (rank, hit.score) for rank, hit in enumerate(dense, 1)}
        results = []
        for key, score in fused:
            if key not in passages:  # deleted since the search
                continue
            b_rank, b_score = lexical_at.get(key, (None, None))
            d_rank, d_score = dense_at.get(key, (None, None))
            results.append(RetrievedPassage(passages[key], score, b_rank, b_score, d_rank, d_score))
        return results

    def bm25(self, query: str, corpora: Sequence[str], n: int) -> list[Hit]:
        """The ``n`` best BM25 matches."""
        return self.store.bm25_search(query, corpora, n)

    def dense(self, query: str, corpora: Sequence[str], n: int) -> list[Hit]:
        """The ``n`` passages whose vectors are nearest the query's (cosine); empty without vectors."""
        if self.embedder is None:
            self.store.require(corpora)
            return []
        index = self.store.vectors(corpora, self.embedder.name)
        if len(index) == 0 or n <= 0:
            return []
        query_vector = np.asarray(self.embedder.encode([query]), dtype=np.float32)[0]
        # einsum runs in this thread; a BLAS matrix-vector product wakes a thread pool per call, which costs far more
        # than the product itself when the cores are busy (e.g. with the embedder's own threads).
        scores = np.einsum("ij,j->i", index.matrix, query_vector)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(key=int(index.keys[i]), score=float(scores[i])) for i in top]


def fuse(rankings: Sequence[Sequence[Hit]], k: int = DEFAULT_RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked lists: ``(key, score)`` pairs, best first (ties keep first-seen order)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, 1):
            scores[hit.key] = scores.get(hit.key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])
