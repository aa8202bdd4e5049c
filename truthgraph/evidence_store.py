"""The evidence store: named corpora of passages in SQLite, with BM25 (FTS5) and stored dense vectors."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .domain import Passage, utc_now
from .errors import CorpusNotFound, InvalidInput
from .limits import check_corpus_name, check_document
from .settings import Settings
from .text import STOPWORDS, words

#: Passages written per ``executemany`` call (and per progress report) when adding passages.
DEFAULT_BATCH_SIZE = 1000
#: How long a connection waits for another process's write lock before failing, in seconds.
DEFAULT_BUSY_TIMEOUT_S = 30.0
#: Weight of a title match relative to a text match in BM25 scores.
DEFAULT_TITLE_WEIGHT = 2.0
#: Most distinct query terms sent to FTS5; longer queries keep their first terms.
MAX_QUERY_TERMS = 64

#: Called as passages are written: ``progress(written, total)``.
WriteProgress = Callable[[int, int], None]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS corpora (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    passage_count INTEGER NOT NULL DEFAULT 0,
    embedder TEXT,
    dimension INTEGER,
    generation TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    key INTEGER PRIMARY KEY,
    corpus TEXT NOT NULL REFERENCES corpora(name) ON DELETE CASCADE,
    passage_id TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BLOB,
    UNIQUE (corpus, passage_id)
);
-- lets a BM25 search filter its matches by corpus without reading the passages' rows
CREATE INDEX IF NOT EXISTS passages_key_corpus ON passages (key, corpus);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    title, text, content='passages', content_rowid='key', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, title, text) VALUES (new.key, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', old.key, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_au AFTER UPDATE OF title, text ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', old.key, old.title, old.text);
    INSERT INTO passages_fts(rowid, title, text) VALUES (new.key, new.title, new.text);
END;
"""


@dataclass(frozen=True)
class CorpusInfo:
    """What the store knows about one corpus."""

    name: str
    description: str
    created_at: str
    passage_count: int
    #: The name of the embedder its vectors came from; ``None`` for a BM25-only corpus.
    embedder: str | None
    dimension: int | None


@dataclass(frozen=True)
class Hit:
    """A passage found by a search: its store key and score (higher is better)."""

    key: int
    score: float


@dataclass(frozen=True)
class VectorIndex:
    """The dense vectors of some corpora: row ``i`` of ``matrix`` (float32, unit rows) belongs to ``keys[i]``."""

    keys: np.ndarray
    matrix: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)


def fts_query(text: str) -> str:
    """A safe FTS5 query for free text: each word quoted, joined by OR (common words dropped when others remain)."""
    terms: list[str] = []
    seen: set[str] = set()
    for term in words(text):
        if term not in seen:
            seen.add(term)
            terms.append(term)
    content = [t for t in terms if t not in STOPWORDS]
    chosen = (content or terms)[:MAX_QUERY_TERMS]
    return " OR ".join(f'"{t}"' for t in chosen)


class EvidenceStore:
    """Corpora of passages in one SQLite file (WAL mode; safe to share between threads and processes).

    Searches answer with *keys*: integers the store gives each passage, valid while the passage exists;
    :meth:`get_passages` turns them into passages. A passage's own id is unique within its corpus only.
    Each thread (and each forked process) opens its own connection on first use.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        title_weight: float = DEFAULT_TITLE_WEIGHT,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.title_weight = title_weight
        self._local = threading.local()
        self._cache_lock = threading.Lock()
        self._vector_cache: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        self._schema_ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceStore:
        """The store in the settings' data folder (created when missing)."""
        settings.evidence_db_path.parent.mkdir(parents=True, exist_ok=True)
        return cls(settings.evidence_db_path)

    # -- connections ------------------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked child opens its own)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            if not self._schema_ready:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(_SCHEMA)
                self._schema_ready = True
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock at once (so a check-then-write is atomic)."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- corpora -----------------------------------------------------------------------------------------------

    def create_corpus(
        self,
        name: str,
        *,
        description: str = "",
        embedder: str | None = None,
        passages: Iterable[Passage | Mapping[str, Any]] = (),
        vectors: np.ndarray | None = None,
        if_exists: Literal["error", "skip", "replace"] = "error",
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: WriteProgress | None = None,
    ) -> bool:
        """Create corpus ``name`` and write ``passages`` (and their ``vectors``) in one transaction.

        A corpus made with an ``embedder`` name needs a vector for every passage; one without has none.
        When the corpus exists: ``"error"`` raises InvalidInput, ``"skip"`` writes nothing and returns False,
        ``"replace"`` deletes it first. Returns True when it was written.
        """
        check_corpus_name(name)
        docs = _checked(passages)
        with self._write() as conn:
            if self._exists(conn, name):
                if if_exists == "skip":
                    return False
                if if_exists == "error":
                    raise InvalidInput(f"corpus {name!r} already exists", field="name")
                conn.execute("DELETE FROM corpora WHERE name = ?", (name,))
            conn.execute(
                "INSERT INTO corpora (name, description, created_at, embedder, generation) VALUES (?, ?, ?, ?, ?)",
                (name, description, utc_now(), embedder, uuid.uuid4().hex),
            )
            self._insert(conn, name, embedder, None, docs, vectors, batch_size, progress)
        return True

    def list_corpora(self) -> list[CorpusInfo]:
        """Every corpus, by name."""
        rows = self._connection().execute(
            "SELECT name, description, created_at, passage_count, embedder, dimension FROM corpora ORDER BY name"
        )
        return [CorpusInfo(*row) for row in rows]

    def corpus(self, name: str) -> CorpusInfo:
        """What the store knows about corpus ``name``; CorpusNotFound when there is none."""
        row = self._connection().execute(
            "SELECT name, description, created_at, passage_count, embedder, dimension FROM corpora WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            raise CorpusNotFound(name)
        return CorpusInfo(*row)

    def has_corpus(self, name: str) -> bool:
        """Whether corpus ``name`` exists."""
        return self._exists(self._connection(), name)

    def require(self, names: Iterable[str]) -> None:
        """Raise CorpusNotFound for the first of ``names`` that does not exist."""
        conn = self._connection()
        for name in names:
            if not self._exists(conn, name):
                raise CorpusNotFound(name)

    def delete_corpus(self, name: str) -> None:
        """Delete corpus ``name`` with its passages and vectors; CorpusNotFound when there is none."""
        with self._write() as conn:
            if conn.execute("DELETE FROM corpora WHERE name = ?", (name,)).rowcount == 0:
                raise CorpusNotFound(name)
        with self._cache_lock:
            self._vector_cache.pop(name, None)

    # -- passages ----------------------------------------------------------------------------------------------

    def add_passages(
        self,
        corpus: str,
        passages: Iterable[Passage | Mapping[str, Any]],
        vectors: np.ndarray | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: WriteProgress | None = None,
    ) -> int:
        """Add passages to an existing corpus in one transaction (a passage id already there is replaced).

        ``vectors`` (one row per passage) are required exactly when the corpus has an embedder. Returns the
        corpus's passage count afterwards.
        """
        docs = _checked(passages)
        with self._write() as conn:
            row = conn.execute("SELECT embedder, dimension FROM corpora WHERE name = ?", (corpus,)).fetchone()
            if row is None:
                raise CorpusNotFound(corpus)
            count = self._insert(conn, corpus, row[0], row[1], docs, vectors, batch_size, progress)
        return count

    def get_passages(self, keys: Sequence[int]) -> list[Passage]:
        """The passages with these store keys, in the same order (keys that no longer exist are left out)."""
        found = self.passages_by_key(keys)
        return [found[int(k)] for k in keys if int(k) in found]

    def passages_by_key(self, keys: Iterable[int]) -> dict[int, Passage]:
        """The passages with these store keys that still exist, by key."""
        found: dict[int, Passage] = {}
        conn = self._connection()
        unique = list(dict.fromkeys(int(k) for k in keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, corpus, pid, title, text in conn.execute(
                f"SELECT key, corpus, passage_id, title, text FROM passages WHERE key IN ({marks})", chunk
            ):
                found[key] = Passage(id=pid, title=title, text=text, corpus=corpus)
        return found

    # -- search ------------------------------------------------------------------------------------------------

    def bm25_search(self, query: str, corpora: Sequence[str], k: int) -> list[Hit]:
        """The ``k`` best BM25 matches for free text ``query`` in ``corpora``, best first."""
        self.require(corpora)
        match = fts_query(query)
        if not match or not corpora or k <= 0:
            return []
        marks = ",".join("?" * len(corpora))
        rows = self._connection().execute(
            "SELECT f.rowid, bm25(passages_fts, ?, 1.0) AS s FROM passages_fts AS f "
            "JOIN passages AS p INDEXED BY passages_key_corpus ON p.key = f.rowid "
            f"WHERE passages_fts MATCH ? AND p.corpus IN ({marks}) ORDER BY s LIMIT ?",
            (self.title_weight, match, *corpora, k),
        )
        return [Hit(key=key, score=-score) for key, score in rows]

    def vectors(self, corpora: Sequence[str], embedder: str) -> VectorIndex:
        """The dense vectors of those ``corpora`` whose vectors came from ``embedder`` (others are left out).

        Each corpus's matrix is cached in memory and reloaded when the corpus changes, in any process.
        """
        self.require(corpora)
        conn = self._connection()
        keys: list[np.ndarray] = []
        matrices: list[np.ndarray] = []
        for name in corpora:
            generation, corpus_embedder = conn.execute(
                "SELECT generation, embedder FROM corpora WHERE name = ?", (name,)
            ).fetchone()
            if corpus_embedder != embedder:
                continue
            with self._cache_lock:
                cached = self._vector_cache.get(name)
            if cached is None or cached[0] != generation:
                cached = (generation, *self._load_vectors(conn, name))
                with self._cache_lock:
                    self._vector_cache[name] = cached
            keys.append(cached[1])
            matrices.append(cached[2])
        if not keys:
            return VectorIndex(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
        if len(keys) == 1:
            return VectorIndex(keys[0], matrices[0])
        return VectorIndex(np.concatenate(keys), np.concatenate(matrices))

    # -- internals ---------------------------------------------------------------------------------------------

    @staticmethod
    def _exists(conn: sqlite3.Connection, name: str) -> bool:
        return conn.execute("SELECT 1 FROM corpora WHERE name = ?", (name,)).fetchone() is not None

    @staticmethod
    def _load_vectors(conn: sqlite3.Connection, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Keys and float32 matrix of one corpus's stored float16 vectors."""
        rows = conn.execute(
            "SELECT key, vector FROM passages WHERE corpus = ? AND vector IS NOT NULL ORDER BY key", (name,)
        ).fetchall()
        keys = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return keys, np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return keys, matrix.astype(np.float32)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        corpus: str,
        embedder: str | None,
        dimension: int | None,
        docs: list[Passage],
        vectors: np.ndarray | None,
        batch_size: int,
        progress: WriteProgress | None,
    ) -> int:
        """Write validated passages inside the caller's transaction; returns the corpus's new passage count."""
        blobs = _vector_blobs(corpus, embedder, dimension, len(docs), vectors)
        if blobs is not None and docs:
            conn.execute("UPDATE corpora SET dimension = ? WHERE name = ?", (int(vectors.shape[1]), corpus))
        total = len(docs)
        for start in range(0, total, max(1, batch_size)):
            chunk = docs[start : start + batch_size]
            rows = [
                (corpus, d.id, d.title, d.text, blobs[start + i] if blobs is not None else None)
                for i, d in enumerate(chunk)
            ]
            conn.executemany(
                "INSERT INTO passages (corpus, passage_id, title, text, vector) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (corpus, passage_id) DO UPDATE SET "
                "title = excluded.title, text = excluded.text, vector = excluded.vector",
                rows,
            )
            if progress is not None:
                progress(start + len(chunk), total)
        count = conn.execute("SELECT COUNT(*) FROM passages WHERE corpus = ?", (corpus,)).fetchone()[0]
        conn.execute(
            "UPDATE corpora SET passage_count = ?, generation = ? WHERE name = ?", (count, uuid.uuid4().hex, corpus)
        )
        return count


def _checked(passages: Iterable[Passage | Mapping[str, Any]]) -> list[Passage]:
    """Mappings checked by the document rules; passages as they are (see :func:`~truthgraph.limits.check_document`)."""
    return [check_document(p, f"passage {i + 1}") for i, p in enumerate(passages)]


def _vector_blobs(
    corpus: str, embedder: str | None, dimension: int | None, count: int, vectors: np.ndarray | None
) -> list[bytes] | None:
    """Float16 blobs, one per passage, after checking the vectors fit the corpus."""
    if embedder is None:
        if vectors is not None:
            raise InvalidInput(f"corpus {corpus!r} has no embedder, so it takes no vectors", field="vectors")
        return None
    if vectors is None:
        raise InvalidInput(f"corpus {corpus!r} needs a vector for every passage (embedder {embedder})", field="vectors")
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != count:
        raise InvalidInput(f"expected {count} vectors, got an array of shape {vectors.shape}", field="vectors")
    if dimension is not None and count and vectors.shape[1] != dimension:
        raise InvalidInput(
            f"corpus {corpus!r} holds {dimension}-dimensional vectors, got {vectors.shape[1]}", field="vectors"
        )
    if not np.all(np.isfinite(vectors)):
        raise InvalidInput("vectors must be finite numbers", field="vectors")
    half = np.ascontiguousarray(vectors, dtype=np.float16)
    return [row.tobytes() for row in half]
