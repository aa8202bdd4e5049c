"""The evidence db: corpora, passages, BM25 search, stored vectors (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Iterator

import numpy as np
import pytest

from tests.support.databases import database_url_for, migrated_engine, release, same_database
from truthgraph.db.engine import create_database_engine
from truthgraph.domain import Passage
from truthgraph.errors import CorpusNotFound, InvalidInput
from truthgraph.db.lexical import ts_query
from truthgraph.evidence_store import EvidenceStore, fts_query

DOCS = [
    {"id": "paris", "title": "Paris", "text": "Paris is the capital and largest city of France."},
    {"id": "berlin", "title": "Berlin", "text": "Berlin is the capital of Germany."},
    {"id": "moon", "title": "Moon", "text": "The Moon is Earth's only natural satellite."},
]


@pytest.fixture
def db(database) -> EvidenceStore:
    return EvidenceStore(database)


@pytest.fixture
def other_worker(db) -> Iterator[EvidenceStore]:
    """A store on the same database through an engine of its own, as a worker on another machine has."""
    other = EvidenceStore(same_database(db.engine))
    yield other
    other.close()


def unit_rows(n: int, dim: int = 4) -> np.ndarray:
    rows = np.eye(n, dim, dtype=np.float32)
    return rows


def test_create_list_and_delete_corpus(db):
    assert db.create_corpus("geo", description="places", passages=DOCS)
    [info] = db.list_corpora()
    assert (info.name, info.description, info.passage_count, info.embedder) == ("geo", "places", 3, None)
    assert db.has_corpus("geo")
    db.delete_corpus("geo")
    assert db.list_corpora() == []
    assert db.bm25_search("capital", [], 5) == []


def test_unknown_corpus_raises_corpus_not_found(db):
    with pytest.raises(CorpusNotFound):
        db.corpus("nope")
    with pytest.raises(CorpusNotFound):
        db.delete_corpus("nope")
    with pytest.raises(CorpusNotFound):
        db.bm25_search("x", ["nope"], 3)
    with pytest.raises(CorpusNotFound):
        db.vectors(["nope"], "e")
    with pytest.raises(CorpusNotFound):
        db.add_passages("nope", DOCS)


def test_create_existing_corpus(db):
    db.create_corpus("geo", passages=DOCS)
    with pytest.raises(InvalidInput):
        db.create_corpus("geo")
    assert db.create_corpus("geo", passages=DOCS[:1], if_exists="skip") is False
    assert db.corpus("geo").passage_count == 3
    assert db.create_corpus("geo", passages=DOCS[:1], if_exists="replace") is True
    assert db.corpus("geo").passage_count == 1
    assert [h.key for h in db.bm25_search("berlin", ["geo"], 5)] == []


@pytest.mark.parametrize("name", ["", "has space", "-lead", "x" * 65, "semi;colon", 3])
def test_bad_corpus_names(db, name):
    with pytest.raises(InvalidInput) as info:
        db.create_corpus(name)
    assert info.value.field == "name"


def test_bm25_finds_the_matching_passage(db):
    db.create_corpus("geo", passages=DOCS)
    hits = db.bm25_search("What is the capital of Germany?", ["geo"], 5)
    [berlin] = db.get_passages([hits[0].key])
    assert berlin == Passage(id="berlin", title="Berlin", text=DOCS[1]["text"], corpus="geo")
    assert hits[0].score > hits[-1].score or len(hits) == 1
    assert len(db.bm25_search("capital", ["geo"], 1)) == 1


def test_bm25_stems_words(db):
    db.create_corpus("geo", passages=DOCS)
    [hit] = db.bm25_search("satellites", ["geo"], 5)
    assert db.get_passages([hit.key])[0].id == "moon"


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "AND OR NOT", "NEAR(paris berlin", "capital*", "^paris", "col:paris", "-paris +berlin", "", "!!!",
     "paris) OR (", "l'État d’Europe"],
)
def test_bm25_accepts_any_text(db, query):
    db.create_corpus("geo", passages=DOCS)
    db.bm25_search(query, ["geo"], 5)  # no sqlite3.OperationalError


def test_fts_query_quotes_terms_and_drops_common_words():
    assert fts_query('Is "Paris" the capital?') == '"paris" OR "capital"'
    assert fts_query("the it") == '"the" OR "it"'
    assert fts_query("...") == ""


def test_ts_query_quotes_the_same_terms_as_lexemes():
    assert ts_query('Is "Paris" the capital?') == "'paris' | 'capital'"
    assert ts_query("l'État d’Europe") == "'l' | 'état' | 'd' | 'europe'"
    assert ts_query("...") == ""


def test_bm25_searches_only_the_given_corpora(db):
    db.create_corpus("a", passages=DOCS[:1])
    db.create_corpus("b", passages=DOCS[1:])
    assert db.bm25_search("paris", ["b"], 5) == []
    keys = [h.key for h in db.bm25_search("capital", ["a", "b"], 5)]
    assert {p.corpus for p in db.get_passages(keys)} == {"a", "b"}


def test_same_passage_id_in_two_corpora(db):
    db.create_corpus("a", passages=DOCS[:1])
    db.create_corpus("b", passages=DOCS[:1])
    keys = [h.key for h in db.bm25_search("paris", ["a", "b"], 5)]
    assert sorted(p.corpus for p in db.get_passages(keys)) == ["a", "b"]


def test_vectors_are_stored_as_float16_and_cached(db):
    vectors = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    db.create_corpus("geo", embedder="emb", passages=DOCS, vectors=vectors)
    index = db.vectors(["geo"], "emb")
    assert index.matrix.dtype == np.float32 and index.matrix.shape == (3, 8)
    assert np.allclose(index.matrix, vectors, atol=1e-3)
    assert [p.id for p in db.get_passages(index.keys.tolist())] == ["paris", "berlin", "moon"]
    assert db.vectors(["geo"], "emb").matrix is index.matrix  # cached
    assert db.corpus("geo").dimension == 8
    assert len(db.vectors(["geo"], "other-embedder")) == 0


def test_vector_cache_follows_changes_from_another_store(db, other_worker):
    db.create_corpus("geo", embedder="emb", passages=DOCS[:2], vectors=unit_rows(2))
    assert len(db.vectors(["geo"], "emb")) == 2
    other = other_worker  # as another process would
    other.add_passages("geo", DOCS[2:], unit_rows(1))
    assert len(db.vectors(["geo"], "emb")) == 3
    other.delete_corpus("geo")
    other.create_corpus("geo", embedder="emb", passages=DOCS[:1], vectors=unit_rows(1))
    assert len(db.vectors(["geo"], "emb")) == 1


def test_a_corpus_written_by_one_worker_is_searched_by_another(db, other_worker):
    db.create_corpus("geo", embedder="emb", passages=DOCS, vectors=unit_rows(3))
    [hit] = other_worker.bm25_search("satellite", ["geo"], 5)
    assert other_worker.get_passages([hit.key])[0].id == "moon"
    assert len(other_worker.vectors(["geo"], "emb")) == 3

    db.create_corpus("geo", embedder="emb", passages=DOCS[:1], vectors=unit_rows(1), if_exists="replace")
    assert other_worker.bm25_search("satellite", ["geo"], 5) == []  # the very next search sees the replacement
    index = other_worker.vectors(["geo"], "emb")
    assert [p.id for p in other_worker.get_passages(index.keys.tolist())] == ["paris"]

    db.delete_corpus("geo")
    with pytest.raises(CorpusNotFound):
        other_worker.bm25_search("paris", ["geo"], 5)
    with pytest.raises(CorpusNotFound):
        other_worker.vectors(["geo"], "emb")


def test_vectors_of_a_corpus_deleted_elsewhere_leave_memory_at_the_next_search(db, other_worker):
    db.create_corpus("gone", embedder="emb", passages=DOCS, vectors=unit_rows(3))
    db.create_corpus("kept", embedder="emb", passages=DOCS[:1], vectors=unit_rows(1))
    kept = other_worker.vectors(["kept"], "emb")
    assert len(other_worker.vectors(["gone"], "emb")) == 3
    db.delete_corpus("gone")
    assert other_worker.vectors(["kept"], "emb").matrix is kept.matrix  # unchanged: still cached
    assert set(other_worker._vector_cache) == {"kept"}


def test_generations_change_with_every_write(db, other_worker):
    db.create_corpus("a", passages=DOCS[:1])
    db.create_corpus("b", passages=DOCS[1:])
    first = other_worker.generations(["a", "b"])
    assert set(first) == {"a", "b"} and first["a"] != first["b"]
    db.add_passages("a", DOCS[2:])
    second = other_worker.generations(["a", "b"])
    assert second["a"] != first["a"] and second["b"] == first["b"]
    db.create_corpus("b", passages=DOCS[1:], if_exists="replace")
    assert other_worker.generations(["b"])["b"] != first["b"]
    assert other_worker.generations([]) == {}
    with pytest.raises(CorpusNotFound):
        other_worker.generations(["a", "missing"])


def test_corpus_without_vectors_has_an_empty_index(db):
    db.create_corpus("geo", passages=DOCS)
    assert len(db.vectors(["geo"], "emb")) == 0


def test_vectors_must_match_the_corpus(db):
    with pytest.raises(InvalidInput):
        db.create_corpus("geo", embedder="emb", passages=DOCS)  # vectors missing
    with pytest.raises(InvalidInput):
        db.create_corpus("geo", embedder="emb", passages=DOCS, vectors=unit_rows(2))  # too few
    with pytest.raises(InvalidInput):
        db.create_corpus("geo", passages=DOCS, vectors=unit_rows(3))  # no embedder
    assert not db.has_corpus("geo")  # nothing written by a failed create
    db.create_corpus("geo", embedder="emb", passages=DOCS[:1], vectors=unit_rows(1, 4))
    with pytest.raises(InvalidInput):
        db.add_passages("geo", DOCS[1:2], unit_rows(1, 8))  # other dimension


def test_add_passages_replaces_same_id_and_reports_progress(db):
    db.create_corpus("geo")
    seen = []
    count = db.add_passages("geo", DOCS, batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert count == 3 and seen == [(2, 3), (3, 3)]
    db.add_passages("geo", [{"id": "paris", "title": "Paris", "text": "Paris hosts the Louvre."}])
    assert db.corpus("geo").passage_count == 3
    assert db.bm25_search("largest city", ["geo"], 5) == []
    [hit] = db.bm25_search("louvre", ["geo"], 5)
    assert db.get_passages([hit.key])[0].text == "Paris hosts the Louvre."


def test_failed_add_writes_nothing(db):
    db.create_corpus("geo", passages=DOCS[:1])
    with pytest.raises(InvalidInput) as info:
        db.add_passages("geo", [DOCS[1], {"id": "x", "title": "X", "text": "  "}])
    assert info.value.field == "text" and "passage 2" in str(info.value)
    assert db.corpus("geo").passage_count == 1


def test_get_passages_keeps_order_and_skips_missing(db):
    db.create_corpus("geo", passages=DOCS)
    keys = [h.key for h in db.bm25_search("capital", ["geo"], 5)]
    passages = db.get_passages(list(reversed(keys)) + [10_000])
    assert [p.id for p in passages] == [p.id for p in reversed(db.get_passages(keys))]
    assert db.get_passages([]) == []


def test_threads_use_their_own_connections(db):
    db.create_corpus("geo", passages=DOCS)
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for _ in range(20):
                assert db.bm25_search("capital", ["geo"], 5)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[EvidenceStore]:
    url = database_url_for("sqlite", tmp_path)
    engine = migrated_engine(url)
    yield EvidenceStore(engine)
    release(url, engine)


def test_database_is_in_wal_mode(sqlite_db, tmp_path):
    sqlite_db.create_corpus("geo")
    import sqlite3

    mode = sqlite3.connect(tmp_path / "truthgraph.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def _add_corpus(url: str, name: str) -> None:
    db = EvidenceStore(create_database_engine(url))
    for i in range(5):
        db.create_corpus(f"{name}-{i}", passages=DOCS)
        db.add_passages(f"{name}-{i}", [{"id": "extra", "title": "Extra", "text": f"written by {name}"}])


def test_processes_write_at_once(db, tmp_path):
    import multiprocessing

    db.create_corpus("geo", passages=DOCS)  # the parent holds an open connection across the fork
    context = multiprocessing.get_context("fork")
    url = db.engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=_add_corpus, args=(url, f"w{n}")) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert len(db.list_corpora()) == 16
    assert all(c.passage_count == 4 for c in db.list_corpora() if c.name != "geo")
    assert db.bm25_search("capital", ["geo"], 5)


def test_a_large_corpus_is_searched_through_an_inverted_file_index(db, monkeypatch):
    from truthgraph import evidence_store, vector_search

    monkeypatch.setattr(evidence_store, "IVF_MIN_ROWS", 50)
    monkeypatch.setattr(vector_search, "ROWS_PER_LIST", 4)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(80, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [{"id": f"d{i}", "title": f"T{i}", "text": f"passage {i}"} for i in range(80)]
    db.create_corpus("big", embedder="emb", passages=docs, vectors=vectors)
    index = db.vectors(["big"], "emb")
    assert index.parts[0].ivf is not None and len(index) == 80
    [hit] = index.search(vectors[17], 1)
    assert db.get_passages([hit.key])[0].id == "d17" and hit.score == pytest.approx(1.0, abs=1e-3)


def test_a_large_corpus_is_searched_lexically_in_memory_and_follows_changes(db, other_worker, monkeypatch):
    from truthgraph import evidence_store

    monkeypatch.setattr(evidence_store, "LEXICAL_INDEX_MIN_ROWS", 3)
    db.create_corpus("geo", passages=DOCS)
    db.create_corpus("small", passages=[{"id": "s", "title": "Satellites", "text": "A satellite list."}])
    [hit] = other_worker.bm25_search("satellite", ["geo"], 5)
    assert other_worker.get_passages([hit.key])[0].id == "moon"
    assert "geo" in other_worker._postings_cache  # searched in memory, not by FTS
    both = other_worker.bm25_search("satellite", ["geo", "small"], 5)
    assert sorted(p.id for p in other_worker.get_passages([h.key for h in both])) == ["moon", "s"]
    db.create_corpus("geo", passages=DOCS[:1], if_exists="replace")
    assert other_worker.bm25_search("satellite", ["geo"], 5) == []  # the next search sees the replacement
    with pytest.raises(CorpusNotFound):
        other_worker.bm25_search("satellite", ["nope"], 5)


def test_whole_corpus_reads_are_put_in_key_order() -> None:
    """The database is asked for no sort (a million-row sort can outlast a statement); the store sorts the keys."""
    from truthgraph.evidence_store import _key_order

    assert _key_order(np.array([3, 5, 9], dtype=np.int64)) is None  # the usual case: no copy is made
    assert _key_order(np.array([], dtype=np.int64)) is None
    keys = np.array([7, 2, 9, 4], dtype=np.int64)
    assert keys[_key_order(keys)].tolist() == [2, 4, 7, 9]
