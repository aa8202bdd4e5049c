"""Reading JSONL corpora and ingesting documents into the evidence store (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from truthgraph.errors import InvalidInput
from truthgraph.evidence_store import EvidenceStore
from truthgraph.verification.ingest import embed_passages, ingest_documents, read_jsonl

DOCS = [
    {"id": "paris", "title": "Paris", "text": "Paris is the capital of France."},
    {"id": "berlin", "title": "Berlin", "text": "Berlin is the capital of Germany."},
    {"id": "moon", "title": "Moon", "text": "The Moon orbits Earth."},
]


class FakeEmbedder:
    """Vectors from text length; records the batches it was given."""

    dimension = 3

    def __init__(self, name: str = "fake-embedder") -> None:
        self.name = name
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        out = np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32).reshape(len(texts), 3)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class BrokenEmbedder(FakeEmbedder):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("embedder failed")


@pytest.fixture
def db(database) -> EvidenceStore:
    return EvidenceStore(database)


def write_lines(path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_jsonl(tmp_path):
    path = write_lines(tmp_path / "c.jsonl", [json.dumps(d) for d in DOCS[:2]] + ["", "   "])
    passages = read_jsonl(path)
    assert [p.id for p in passages] == ["paris", "berlin"]
    assert passages[0].title == "Paris" and passages[0].text == DOCS[0]["text"]


@pytest.mark.parametrize(
    "bad_line, words",
    [
        ("{not json", ["line 2", "JSON"]),
        ('["a list"]', ["line 2", "object"]),
        ('{"id": "x", "title": "X"}', ["line 2", "'text'"]),
        ('{"id": "x", "title": 5, "text": "t"}', ["line 2", "'title'"]),
        ('{"id": "x", "title": "X", "text": "  "}', ["line 2", "'text'", "empty"]),
        ('{"id": "paris", "title": "P", "text": "again"}', ["line 2", "'paris'", "line 1"]),
    ],
)
def test_read_jsonl_names_the_bad_line(tmp_path, bad_line, words):
    path = write_lines(tmp_path / "c.jsonl", [json.dumps(DOCS[0]), bad_line, json.dumps(DOCS[2])])
    with pytest.raises(InvalidInput) as info:
        read_jsonl(path)
    for word in words:
        assert word in str(info.value)


def test_read_jsonl_missing_or_binary_file(tmp_path):
    with pytest.raises(InvalidInput):
        read_jsonl(tmp_path / "missing.jsonl")
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InvalidInput):
        read_jsonl(path)


def test_ingest_embeds_in_batches_and_stores(db):
    embedder = FakeEmbedder()
    seen: list[tuple[int, int, str]] = []
    count = ingest_documents(db, embedder, "geo", DOCS, lambda *a: seen.append(a), description="d", batch_size=2)
    assert count == 3
    assert [len(b) for b in embedder.batches] == [2, 1]
    assert embedder.batches[0][0] == "Paris: Paris is the capital of France."
    info = db.corpus("geo")
    assert (info.embedder, info.dimension, info.description, info.passage_count) == ("fake-embedder", 3, "d", 3)
    assert len(db.vectors(["geo"], "fake-embedder")) == 3
    assert [s for s in seen if s[2] == "embedding"] == [(0, 3, "embedding"), (2, 3, "embedding"), (3, 3, "embedding")]
    assert [s for s in seen if s[2] == "writing"] == [(0, 3, "writing"), (3, 3, "writing")]


def test_ingest_without_embedder_is_bm25_only(db):
    ingest_documents(db, None, "geo", DOCS)
    assert db.corpus("geo").embedder is None
    assert db.bm25_search("moon", ["geo"], 3)


def test_ingest_adds_to_an_existing_corpus(db):
    ingest_documents(db, FakeEmbedder(), "geo", DOCS[:2])
    count = ingest_documents(db, FakeEmbedder(), "geo", DOCS[1:])
    assert count == 3
    with pytest.raises(InvalidInput):
        ingest_documents(db, FakeEmbedder("another-embedder"), "geo", DOCS)
    with pytest.raises(InvalidInput):
        ingest_documents(db, None, "geo", DOCS)


def test_ingest_writes_nothing_when_a_document_or_the_embedder_fails(db):
    with pytest.raises(InvalidInput) as info:
        ingest_documents(db, FakeEmbedder(), "geo", [DOCS[0], {"id": "x", "title": "X"}])
    assert "document 2" in str(info.value)
    with pytest.raises(RuntimeError):
        ingest_documents(db, BrokenEmbedder(), "geo", DOCS)
    assert not db.has_corpus("geo")


def test_bad_corpus_name_fails_before_embedding(db):
    embedder = FakeEmbedder()
    with pytest.raises(InvalidInput):
        ingest_documents(db, embedder, "bad name", DOCS)
    assert embedder.batches == []


def test_embed_passages_of_nothing():
    assert embed_passages(FakeEmbedder(), []).shape == (0, 3)


def run_cli(argv: list[str], data_dir, database_url: str = "") -> int:
    """Run a ``truthgraph`` command with its data folder (and database, if given) set in its own environment."""
    from truthgraph.cli import main

    return main(argv, environ={"TRUTHGRAPH_DATA_DIR": str(data_dir), "TRUTHGRAPH_DATABASE_URL": database_url})


def test_corpus_commands(tmp_path, capsys, database):
    data = tmp_path / "data"
    url = database.url.render_as_string(hide_password=False)
    path = write_lines(tmp_path / "c.jsonl", [json.dumps(d) for d in DOCS])
    assert run_cli(["corpus", "add", str(path), "--name", "geo", "--no-vectors", "--description", "places"], data,
                   url) == 0
    assert "3 passages" in capsys.readouterr().out
    assert run_cli(["corpus", "list"], data, url) == 0
    listing = capsys.readouterr().out
    assert "geo" in listing and "places" in listing and "BM25 only" in listing
    assert EvidenceStore(database).corpus("geo").passage_count == 3  # in the database the settings name
    assert run_cli(["corpus", "delete", "geo"], data, url) == 0
    assert run_cli(["corpus", "delete", "geo"], data, url) == 1
    assert "does not exist" in capsys.readouterr().err
    assert run_cli(["corpus", "list"], data, url) == 0
    assert "no corpora" in capsys.readouterr().out


def test_corpus_commands_migrate_a_new_default_database_in_the_data_folder(tmp_path, capsys):
    data = tmp_path / "data"
    assert run_cli(["corpus", "list"], data) == 0
    assert "no corpora" in capsys.readouterr().out
    assert (data / "truthgraph.sqlite3").is_file()


def test_corpus_add_reports_a_bad_line(tmp_path, capsys):
    data = tmp_path / "data"
    path = write_lines(tmp_path / "c.jsonl", [json.dumps(DOCS[0]), "{oops"])
    assert run_cli(["corpus", "add", str(path), "--name", "geo", "--no-vectors"], data) == 1
    assert "c.jsonl line 2" in capsys.readouterr().err


def test_the_ingester_reports_embedding_then_writing_and_what_it_stored(db):
    from truthgraph.verification.ingest import Ingester

    seen: list[tuple[int, str]] = []
    result = Ingester(db, FakeEmbedder()).ingest("geo", DOCS, lambda percentage, stage: seen.append((percentage, stage)))
    assert result == {"corpus": "geo", "documents": len(DOCS), "passage_count": len(DOCS)}
    percentages = [p for p, _ in seen]
    assert percentages == sorted(percentages) and seen[-1] == (100, "done")
    assert {stage for _, stage in seen} == {"embedding", "writing", "done"}
    assert all(p <= 80 for p, stage in seen if stage == "embedding")


def test_an_ingest_message_becomes_passages_or_fails_for_good():
    from truthgraph.actors.ingest import passages_of
    from truthgraph.domain import Passage
    from truthgraph.errors import PermanentError

    assert passages_of([{"id": "a", "title": "", "text": "t"}]) == [Passage(id="a", title="", text="t")]
    with pytest.raises(PermanentError):
        passages_of([{"id": "a", "text": "t"}])
