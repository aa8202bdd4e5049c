"""The default Wikipedia corpus and its shipped vectors (uses the packaged embedder and stance model)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from tests.support.fakes import HashEmbedder
from truthgraph.evidence_store import EvidenceStore
from truthgraph.settings import Settings
from truthgraph.verification import wikipedia
from truthgraph.verification.base import format_evidence


class NoEncoding:
    """Has the real embedder's name and dimension but refuses to embed: proves the shipped vectors were used."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name, self.dimension = name, dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("the shipped vectors should have been used")


@pytest.fixture(scope="module")
def embedder():
    from truthgraph.verification.embedding import load_default_embedder

    return load_default_embedder()


@pytest.fixture(scope="module")
def passages():
    return wikipedia.load_passages(wikipedia.source_path())


def test_source_holds_the_summaries(passages):
    assert len(passages) == 10_033
    assert len({p.id for p in passages}) == len(passages)
    assert all(p.text.strip() and p.title for p in passages)
    assert any(p.title == "2001: A Space Odyssey" for p in passages)


def test_shipped_vectors_match_the_corpus_and_embedder(passages, embedder):
    checksum = wikipedia.source_checksum(wikipedia.source_path())
    vectors = wikipedia.load_vectors(passages, embedder, checksum)
    assert vectors is not None, "rebuild with: python -m truthgraph.verification.wikipedia"
    assert vectors.dtype == np.float16 and vectors.shape == (len(passages), embedder.dimension)
    sample = [0, 4_321, len(passages) - 1]
    fresh = embedder.encode([format_evidence(passages[i].title, passages[i].text) for i in sample])
    shipped = vectors[sample].astype(np.float32)
    assert np.all(np.sum(fresh * shipped, axis=1) > 0.99)


def test_ensure_default_corpus_uses_the_shipped_vectors(database, embedder):
    db = EvidenceStore(database)
    stand_in = NoEncoding(embedder.name, embedder.dimension)
    assert wikipedia.ensure_default_corpus(db, stand_in) is True
    info = db.corpus(wikipedia.CORPUS_NAME)
    assert (info.passage_count, info.embedder, info.dimension) == (10_033, embedder.name, embedder.dimension)
    assert wikipedia.ensure_default_corpus(db, stand_in) is False
    hits = db.bm25_search("Stanley Kubrick science fiction film 1968", [wikipedia.CORPUS_NAME], 3)
    assert "2001: A Space Odyssey" in [p.title for p in db.get_passages([h.key for h in hits])]


def test_vectors_that_do_not_match_are_not_used(tmp_path, passages):
    path = tmp_path / "vectors.npz"
    other = HashEmbedder(name="hash-embedder", dimension=16)
    wikipedia.build_vectors(other, path)
    checksum = wikipedia.source_checksum(wikipedia.source_path())
    assert wikipedia.load_vectors(passages, other, checksum, path) is not None
    assert wikipedia.load_vectors(passages, other, "0" * 64, path) is None
    assert wikipedia.load_vectors(passages[1:], other, checksum, path) is None
    renamed = HashEmbedder(name="hash-embedder", dimension=16)
    renamed.name = "another"
    assert wikipedia.load_vectors(passages, renamed, checksum, path) is None
    assert wikipedia.load_vectors(passages, other, checksum, tmp_path / "missing.npz") is None


def test_ensure_default_corpus_rebuilds_for_another_embedder(database, embedder):
    db = EvidenceStore(database)
    wikipedia.ensure_default_corpus(db, NoEncoding(embedder.name, embedder.dimension))
    assert wikipedia.ensure_default_corpus(db, HashEmbedder(name="hash-embedder", dimension=16)) is True  # embedded on the fly
    assert db.corpus(wikipedia.CORPUS_NAME).embedder == "hash-embedder"
    assert len(db.vectors([wikipedia.CORPUS_NAME], "hash-embedder")) == 10_033


def test_default_pipeline_verifies_against_wikipedia(tmp_path):
    from truthgraph.verification.default import build_default_pipeline

    pipeline = build_default_pipeline(Settings(data_dir=str(tmp_path / "data")))
    seen: list[int] = []
    verdict = pipeline.verify(
        "2001: A Space Odyssey was directed by Stanley Kubrick.", {}, lambda p, _stage: seen.append(p)
    )
    assert seen[-1] == 100 and seen == sorted(seen)
    assert "2001: A Space Odyssey" in {e.title for e in verdict.evidence}
    assert all(e.source == wikipedia.CORPUS_NAME for e in verdict.evidence)
    assert verdict.model == pipeline.stance_model.name
