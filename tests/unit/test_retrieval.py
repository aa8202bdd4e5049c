"""Hybrid retrieval: BM25 and dense candidates fused by reciprocal rank fusion (on SQLite and on PostgreSQL)."""

from __future__ import annotations


import pytest

from tests.support.fakes import HashEmbedder
from truthgraph.errors import CorpusNotFound
from truthgraph.evidence_store import EvidenceStore, Hit
from truthgraph.verification.retrieval import DEFAULT_LEXICAL_WEIGHT, DEFAULT_RRF_K, HybridRetriever, fuse

DOCS = [
    {"id": "paris", "title": "Paris", "text": "Paris is the capital and largest city of France."},
    {"id": "berlin", "title": "Berlin", "text": "Berlin is the capital of Germany."},
    {"id": "moon", "title": "Moon", "text": "The Moon is Earth's only natural satellite."},
    {"id": "car", "title": "Automobile", "text": "An automobile is a wheeled motor vehicle."},
]


def car_embedder() -> HashEmbedder:
    """Hashed bag of words with "car" and "automobile" made the same word (what BM25 cannot know)."""
    return HashEmbedder(dimension=64, synonyms={"automobile": "car"})


@pytest.fixture
def db(database) -> EvidenceStore:
    db = EvidenceStore(database)
    embedder = car_embedder()
    texts = [f"{d['title']}: {d['text']}" for d in DOCS]
    db.create_corpus("geo", embedder=embedder.name, passages=DOCS, vectors=embedder.encode(texts))
    db.create_corpus("plain", passages=DOCS)
    return db


def test_fuse_adds_reciprocal_ranks():
    fused = dict(fuse([[Hit(1, 9.0), Hit(2, 8.0)], [Hit(2, 0.9), Hit(3, 0.8)]], k=60))
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 62)
    assert [key for key, _ in fuse([[Hit(1, 9.0), Hit(2, 8.0)], [Hit(2, 0.9), Hit(3, 0.8)]])] == [2, 1, 3]
    assert DEFAULT_RRF_K == 60
    assert fuse([[], []]) == []


def test_fuse_weighs_each_list():
    lexical, dense = [Hit(1, 9.0), Hit(2, 8.0)], [Hit(2, 0.9), Hit(1, 0.8)]
    assert [key for key, _ in fuse([lexical, dense])] == [1, 2]  # equal scores: first seen first
    fused = fuse([lexical, dense], k=60, weights=(0.5, 1.0))
    assert [key for key, _ in fused] == [2, 1]
    assert dict(fused)[2] == pytest.approx(0.5 / 62 + 1 / 61)
    with pytest.raises(ValueError):
        fuse([lexical, dense], weights=(1.0,))
    with pytest.raises(ValueError):
        HybridRetriever(None, None, lexical_weight=0.0)  # type: ignore[arg-type]


def test_hybrid_returns_top_k_with_components(db):
    retriever = HybridRetriever(db, car_embedder())
    results = retriever.retrieve("What is the capital of Germany?", ["geo"], 2)
    assert len(results) == 2
    top = results[0]
    assert top.passage.id == "berlin" and top.passage.corpus == "geo"
    assert top.bm25_rank == 1 and top.dense_rank == 1
    assert top.score == pytest.approx((DEFAULT_LEXICAL_WEIGHT + 1) / (DEFAULT_RRF_K + 1))
    assert results[0].score >= results[1].score


def test_dense_finds_what_bm25_misses(db):
    retriever = HybridRetriever(db, car_embedder())
    assert retriever.bm25("car", ["geo"], 10) == []
    results = retriever.retrieve("car", ["geo"], 1)
    assert results[0].passage.id == "car"
    assert results[0].bm25_rank is None and results[0].dense_rank == 1


def test_bm25_only_without_vectors(db):
    embedder = car_embedder()
    results = HybridRetriever(db, embedder).retrieve("capital of Germany", ["plain"], 3)
    assert results[0].passage.id == "berlin"
    assert all(r.dense_rank is None for r in results)
    assert embedder.calls == 0  # no vectors to search, so the query is not embedded


def test_bm25_only_without_embedder(db):
    results = HybridRetriever(db, None).retrieve("natural satellite", ["geo"], 3)
    assert [r.passage.id for r in results] == ["moon"]


def test_mixed_corpora(db):
    results = HybridRetriever(db, car_embedder()).retrieve("capital of France", ["geo", "plain"], 4)
    assert {r.passage.corpus for r in results} == {"geo", "plain"}
    assert results[0].passage.id == "paris"
    plain = [r for r in results if r.passage.corpus == "plain"]
    # the BM25-only list speaks for both voices: its first place scores like a first place in both lists
    assert plain[0].bm25_rank == 1 and plain[0].dense_rank is None
    assert plain[0].score == pytest.approx((DEFAULT_LEXICAL_WEIGHT + 1) / (DEFAULT_RRF_K + 1))


def test_unknown_corpus(db):
    with pytest.raises(CorpusNotFound):
        HybridRetriever(db, car_embedder()).retrieve("x", ["geo", "missing"], 3)
    with pytest.raises(CorpusNotFound):
        HybridRetriever(db, None).dense("x", ["missing"], 3)


def test_nothing_matches(db):
    assert HybridRetriever(db, None).retrieve("zzzz qqqq", ["geo"], 3) == []
