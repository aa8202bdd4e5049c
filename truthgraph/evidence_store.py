"""The evidence store: named corpora of passages in the database, with lexical search and stored dense vectors.

The corpora live in the same database as the verdict history (SQLite by default, PostgreSQL for several machines),
so every worker searches every corpus, whichever worker wrote it. Dense search stays in the worker: each corpus's
vectors are read once into memory and read again when the corpus's *generation* changes.
"""

from __future__ import annotations

import threading
import uuid
import zlib
from functools import partial
from itertools import zip_longest
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from .db.engine import create_database_engine, database_url
from .db.errors import database_errors
from .db.lexical import MAX_QUERY_TERMS, fts_query, lexical_search
from .db.migrate import ensure_schema
from .db.schema import corpora, passages
from .domain import Passage, utc_now
from .errors import CorpusNotFound, InvalidInput
from .lexical_index import LexicalIndex
from .limits import check_corpus_name, check_document
from .settings import Settings
from .vector_search import IVF_MIN_ROWS, InvertedFileIndex, exact_search

#: Corpora with at least this many passages are searched lexically in the worker's memory
#: (:mod:`truthgraph.lexical_index`), smaller ones in the database.
LEXICAL_INDEX_MIN_ROWS = 50_000

__all__ = [
    "DEFAULT_BATCH_SIZE", "DEFAULT_BUSY_TIMEOUT_S", "DEFAULT_TITLE_WEIGHT", "MAX_QUERY_TERMS", "CorpusInfo",
    "EvidenceStore", "Hit", "VectorIndex", "WriteProgress", "fts_query",
]

#: Passages written per statement batch (and per progress report) when adding passages.
DEFAULT_BATCH_SIZE = 1000
#: How long a write waits for another writer before failing, in seconds: on SQLite any writer (the database has one
#: write lock), on PostgreSQL a writer of the same corpus.
DEFAULT_BUSY_TIMEOUT_S = 30.0
#: Weight of a title match relative to a text match in lexical scores.
DEFAULT_TITLE_WEIGHT = 2.0
#: Passage keys per ``IN (…)`` list when reading passages.
KEYS_PER_QUERY = 500
#: Rows fetched at a time when reading a corpus's vectors (the database streams them).
VECTOR_ROWS_PER_FETCH = 10_000
#: Time a whole-corpus read (vectors, postings) may take on PostgreSQL, in milliseconds; requests keep the engine's
#: shorter per-statement timeout.
BULK_READ_TIMEOUT_MS = 600_000
#: PostgreSQL advisory locks of corpus writes: this class, and a hash of the corpus name (the two-key form, whose
#: keys never meet the one-key lock migrations hold).
CORPUS_LOCK_CLASS = 7_270_002
#: How vectors are stored: float16, little-endian, one blob per passage.
VECTOR_DTYPE = np.dtype("<f2")

#: Called as passages are written: ``progress(written, total)``.
WriteProgress = Callable[[int, int], None]

_CORPUS_COLUMNS = (
    corpora.c.name,
    corpora.c.description,
    corpora.c.created_at,
    corpora.c.passage_count,
    corpora.c.embedder,
    corpora.c.dimension,
)


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
    """The dense vectors of some corpora: one part per corpus, each searched on its own by :meth:`search`.

    A part is a corpus's cached vectors, searched by its inverted-file index where it has one (see
    :mod:`truthgraph.vector_search`), else exactly. ``keys`` lists the passage keys of all parts in order.
    """

    parts: tuple[_CachedVectors, ...] = ()

    def __len__(self) -> int:
        return sum(len(part.keys) for part in self.parts)

    @property
    def keys(self) -> np.ndarray:
        """The passage keys of every part, in order."""
        if len(self.parts) == 1:
            return self.parts[0].keys
        return np.concatenate([p.keys for p in self.parts]) if self.parts else np.zeros(0, dtype=np.int64)

    @property
    def matrix(self) -> np.ndarray:
        """The vectors of every part, row ``i`` that of ``keys[i]`` (a copy when there are several parts)."""
        if len(self.parts) == 1:
            return self.parts[0].matrix
        return np.concatenate([p.matrix for p in self.parts]) if self.parts else np.zeros((0, 0), dtype=np.float32)

    @property
    def nbytes(self) -> int:
        """Memory held by the vectors, keys and indexes of every part."""
        return sum(p.matrix.nbytes + p.keys.nbytes + (p.ivf.nbytes if p.ivf else 0) for p in self.parts)

    def search(self, query: np.ndarray, n: int) -> list[Hit]:
        """The ``n`` passages whose vectors have the largest dot product with ``query``, best first."""
        hits = [hit for part in self.parts for hit in part.search(query, n)]
        return sorted(hits, key=lambda hit: -hit.score)[:n]


@dataclass(frozen=True)
class _CachedPostings:
    """One corpus's lexical index as read at ``generation``; row ``i`` of the index is passage ``keys[i]``."""

    generation: str
    keys: np.ndarray
    index: LexicalIndex

    def search(self, query: str, k: int) -> list[Hit]:
        rows, scores = self.index.search(query, k)
        return [Hit(key=int(self.keys[r]), score=float(s)) for r, s in zip(rows, scores)]


@dataclass(frozen=True)
class _CachedVectors:
    """One corpus's vectors as read at ``generation``; sorted by cell of ``ivf`` when it has one."""

    generation: str
    keys: np.ndarray
    matrix: np.ndarray
    ivf: InvertedFileIndex | None = None

    def search(self, query: np.ndarray, n: int) -> list[Hit]:
        if self.ivf is None:
            rows, scores = exact_search(self.matrix, query, n)
        else:
            rows, scores = self.ivf.search(self.matrix, query, n)
        return [Hit(key=int(self.keys[r]), score=float(s)) for r, s in zip(rows, scores)]


class EvidenceStore:
    """Corpora of passages in the database behind ``engine``; safe to share between threads (a process opens its own).

    Searches answer with *keys*: integers the store gives each passage, valid while the passage exists;
    :meth:`get_passages` turns them into passages. A passage's own id is unique within its corpus only.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        title_weight: float = DEFAULT_TITLE_WEIGHT,
    ) -> None:
        self.engine = engine
        self.busy_timeout_s = busy_timeout_s
        self.title_weight = title_weight
        self._cache_lock = threading.Lock()
        self._vector_cache: dict[str, _CachedVectors] = {}
        self._postings_cache: dict[str, _CachedPostings] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceStore:
        """The store on the settings' database, migrated first when the settings allow (else it must be current)."""
        engine = create_database_engine(database_url(settings))
        ensure_schema(engine, migrate=settings.migrate_on_start)
        return cls(engine)

    def close(self) -> None:
        """Drop the cached vectors and close the pooled connections (the store connects again if used)."""
        with self._cache_lock:
            self._vector_cache.clear()
        self.engine.dispose()

    # -- corpora -----------------------------------------------------------------------------------------------

    @database_errors
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
        with self._write(name) as conn:
            if _exists(conn, name):
                if if_exists == "skip":
                    return False
                if if_exists == "error":
                    raise InvalidInput(f"corpus {name!r} already exists", field="name")
                conn.execute(delete(corpora).where(corpora.c.name == name))
            conn.execute(
                insert(corpora).values(
                    name=name, description=description, created_at=utc_now(), embedder=embedder,
                    generation=_new_generation(),
                )
            )
            _insert(conn, name, embedder, None, docs, vectors, batch_size, progress)
        return True

    @database_errors
    def list_corpora(self) -> list[CorpusInfo]:
        """Every corpus, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_CORPUS_COLUMNS).order_by(corpora.c.name)).all()
        return [CorpusInfo(*row) for row in rows]

    @database_errors
    def corpus(self, name: str) -> CorpusInfo:
        """What the store knows about corpus ``name``; CorpusNotFound when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*_CORPUS_COLUMNS).where(corpora.c.name == name)).first()
        if row is None:
            raise CorpusNotFound(name)
        return CorpusInfo(*row)

    @database_errors
    def has_corpus(self, name: str) -> bool:
        """Whether corpus ``name`` exists."""
        with self.engine.connect() as conn:
            return _exists(conn, name)

    @database_errors
    def require(self, names: Iterable[str]) -> None:
        """Raise CorpusNotFound for the first of ``names`` that does not exist."""
        with self.engine.connect() as conn:
            _states(conn, list(names))

    @database_errors
    def generations(self, names: Iterable[str]) -> dict[str, str]:
        """Each named corpus's current generation, which changes with every write to it; CorpusNotFound for none."""
        with self.engine.connect() as conn:
            return {name: generation for name, (generation, _) in _states(conn, list(names)).items()}

    @database_errors
    def delete_corpus(self, name: str) -> None:
        """Delete corpus ``name`` with its passages and vectors; CorpusNotFound when there is none."""
        with self._write(name) as conn:
            if conn.execute(delete(corpora).where(corpora.c.name == name)).rowcount == 0:
                raise CorpusNotFound(name)
        with self._cache_lock:
            self._vector_cache.pop(name, None)

    # -- passages ----------------------------------------------------------------------------------------------

    @database_errors
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
        with self._write(corpus) as conn:
            row = conn.execute(select(corpora.c.embedder, corpora.c.dimension).where(corpora.c.name == corpus)).first()
            if row is None:
                raise CorpusNotFound(corpus)
            return _insert(conn, corpus, row.embedder, row.dimension, docs, vectors, batch_size, progress)

    def get_passages(self, keys: Sequence[int]) -> list[Passage]:
        """The passages with these store keys, in the same order (keys that no longer exist are left out)."""
        found = self.passages_by_key(keys)
        return [found[int(k)] for k in keys if int(k) in found]

    @database_errors
    def passages_by_key(self, keys: Iterable[int]) -> dict[int, Passage]:
        """The passages with these store keys that still exist, by key."""
        found: dict[int, Passage] = {}
        unique = list(dict.fromkeys(int(k) for k in keys))
        if not unique:
            return found
        query = select(passages.c.key, passages.c.corpus, passages.c.passage_id, passages.c.title, passages.c.text)
        query = query.where(passages.c.key.in_(bindparam("keys", expanding=True)))
        with self.engine.connect() as conn:
            for start in range(0, len(unique), KEYS_PER_QUERY):
                chunk = unique[start : start + KEYS_PER_QUERY]
                for key, corpus, pid, title, body in conn.execute(query, {"keys": chunk}):
                    found[int(key)] = Passage(id=pid, title=title, text=body, corpus=corpus)
        return found

    # -- search ------------------------------------------------------------------------------------------------

    @database_errors
    def bm25_search(self, query: str, corpora: Sequence[str], k: int) -> list[Hit]:
        """The ``k`` best lexical matches for free text ``query`` in ``corpora``, best first.

        BM25 over FTS5 on SQLite; on PostgreSQL its full-text search (see :mod:`truthgraph.db.lexical`). Corpora of
        :data:`LEXICAL_INDEX_MIN_ROWS` passages or more are searched by BM25 in this process's memory instead
        (:mod:`truthgraph.lexical_index`), their postings built when the corpus's generation changes; the lists of
        several corpora are merged a rank at a time.
        """
        wanted = list(dict.fromkeys(corpora))
        with self.engine.connect() as conn:
            sizes = _sizes(conn, wanted)
            large = [name for name in wanted if sizes[name][1] >= LEXICAL_INDEX_MIN_ROWS]
            small = [name for name in wanted if name not in large]
            lists = [[Hit(key=key, score=score) for key, score in
                      lexical_search(conn, query, small, k, title_weight=self.title_weight)]] if small else []
            for name in large:
                generation = sizes[name][0]
                postings = self._cached(self._postings_cache, name, generation,
                                        partial(_load_postings, conn, name, generation))
                lists.append(postings.search(query, k))
        return _interleave(lists, k)

    @database_errors
    def vectors(self, corpora: Sequence[str], embedder: str) -> VectorIndex:
        """The dense vectors of those ``corpora`` whose vectors came from ``embedder`` (others are left out).

        Each corpus's matrix is cached in memory and read again when the corpus's generation changes, whichever
        process changed it; the vectors of a cached corpus that was deleted or changed leave memory meanwhile.
        """
        wanted = list(corpora)
        with self._cache_lock:
            cached_names = list(self._vector_cache)
        parts: list[_CachedVectors] = []
        with self.engine.connect() as conn:
            states = _states(conn, wanted, also=cached_names)
            self._evict(states)
            for name in dict.fromkeys(wanted):
                generation, corpus_embedder = states[name]
                if corpus_embedder != embedder:
                    continue
                parts.append(self._cached(self._vector_cache, name, generation,
                                          partial(_load_vectors, conn, name, generation)))
        return VectorIndex(tuple(part for part in parts if len(part.keys)))

    # -- internals ---------------------------------------------------------------------------------------------

    def _cached(self, cache: dict[str, Any], name: str, generation: str, load: Callable[[], Any]) -> Any:
        """``cache[name]`` when it was read at ``generation``, else what ``load()`` reads, kept in the cache."""
        with self._cache_lock:
            cached = cache.get(name)
        if cached is None or cached.generation != generation:
            cached = load()
            with self._cache_lock:
                cache[name] = cached
        return cached

    def _evict(self, states: Mapping[str, tuple[str, str | None]]) -> None:
        """Forget cached vectors and postings whose corpus is gone or has another generation now."""
        with self._cache_lock:
            for cache in (self._vector_cache, self._postings_cache):
                for name, cached in list(cache.items()):
                    if name not in states or states[name][0] != cached.generation:
                        del cache[name]

    @contextmanager
    def _write(self, corpus: str) -> Iterator[Connection]:
        """A transaction holding the right to write ``corpus`` from its start, so that a check-then-write is atomic.

        SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock. PostgreSQL: an advisory lock on the corpus
        name, so writers of other corpora go on in parallel. Either waits up to ``busy_timeout_s``.
        """
        wait_ms = max(1, int(self.busy_timeout_s * 1000))
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                previous = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {previous}")
            else:
                previous_timeout = conn.execute(text("SELECT current_setting('statement_timeout')")).scalar_one()
                conn.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": f"{wait_ms}ms"})
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:lock_class, :key)"),
                    {"lock_class": CORPUS_LOCK_CLASS, "key": zlib.crc32(corpus.encode()) - 2**31},
                )
                conn.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": previous_timeout})
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()


def _new_generation() -> str:
    return uuid.uuid4().hex


def _exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(corpora.c.name).where(corpora.c.name == name)).first() is not None


def _corpus_rows(conn: Connection, column: Any, names: list[str], also: Sequence[str] = ()) -> dict[str, tuple]:
    """``{name: (generation, column)}`` of ``names`` (CorpusNotFound for the first missing) and of those of ``also``
    that exist."""
    wanted = list(dict.fromkeys([*names, *also]))
    if not wanted:
        return {}
    query = select(corpora.c.name, corpora.c.generation, column)
    query = query.where(corpora.c.name.in_(bindparam("names", expanding=True)))
    rows = {name: (generation, value) for name, generation, value in conn.execute(query, {"names": wanted})}
    for name in names:
        if name not in rows:
            raise CorpusNotFound(name)
    return rows


def _states(conn: Connection, names: list[str], *, also: Sequence[str] = ()) -> dict[str, tuple[str, str | None]]:
    """``{name: (generation, embedder)}`` of ``names`` (CorpusNotFound for the first missing) and of those of
    ``also`` that exist."""
    return _corpus_rows(conn, corpora.c.embedder, names, also)


def _sizes(conn: Connection, names: list[str]) -> dict[str, tuple[str, int]]:
    """``{name: (generation, passage count)}`` of ``names`` (CorpusNotFound for the first missing)."""
    return _corpus_rows(conn, corpora.c.passage_count, names)


def _interleave(lists: list[list[Hit]], k: int) -> list[Hit]:
    """The first ``k`` hits of ranked lists taken a rank at a time (their scores need not be comparable)."""
    if len(lists) == 1:
        return lists[0][:k]
    merged = [hit for rank in zip_longest(*lists) for hit in rank if hit is not None]
    return merged[:k]


def _stream(conn: Connection, query: Any) -> Iterator[Sequence[Any]]:
    """The rows of a whole-corpus read, a batch at a time, with no sort asked of the database.

    On PostgreSQL the read may outlast the per-statement timeout that bounds a request's queries (a million rows take
    tens of seconds on a busy machine, more when the planner's statistics are stale after a bulk load), so the
    transaction's timeout is raised to :data:`BULK_READ_TIMEOUT_MS` first.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL statement_timeout = {BULK_READ_TIMEOUT_MS}"))
    result = conn.execution_options(stream_results=True, yield_per=VECTOR_ROWS_PER_FETCH).execute(query)
    yield from result.partitions()


def _key_order(keys: np.ndarray) -> np.ndarray | None:
    """The permutation that sorts ``keys``, or None when they are sorted already (rows usually come in key order)."""
    if len(keys) < 2 or bool(np.all(keys[1:] > keys[:-1])):
        return None
    return np.argsort(keys, kind="stable")


def _load_postings(conn: Connection, name: str, generation: str) -> _CachedPostings:
    """The lexical index of one corpus's passages (rows in key order, whatever order the database read them in)."""
    query = select(passages.c.key, passages.c.title, passages.c.text).where(passages.c.corpus == name)
    keys: list[int] = []
    titles: list[str] = []
    texts: list[str] = []
    for rows in _stream(conn, query):
        for key, title, body in rows:
            keys.append(key)
            titles.append(title)
            texts.append(body)
    all_keys = np.asarray(keys, dtype=np.int64)
    order = _key_order(all_keys)
    if order is not None:
        all_keys = all_keys[order]
        titles = [titles[i] for i in order]
        texts = [texts[i] for i in order]
    return _CachedPostings(generation, all_keys, LexicalIndex.build(titles, texts))


def _load_vectors(conn: Connection, name: str, generation: str) -> _CachedVectors:
    """Keys and float32 matrix of one corpus's stored vectors in key order, read in batches."""
    query = select(passages.c.key, passages.c.vector).where(passages.c.corpus == name, passages.c.vector.is_not(None))
    keys: list[np.ndarray] = []
    halves: list[np.ndarray] = []
    for rows in _stream(conn, query):
        keys.append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        halves.append(np.frombuffer(b"".join(r[1] for r in rows), dtype=VECTOR_DTYPE).reshape(len(rows), -1))
    if not keys:
        return _CachedVectors(generation, np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32))
    matrix = np.concatenate(halves).astype(np.float32) if len(halves) > 1 else halves[0].astype(np.float32)
    all_keys = np.concatenate(keys)
    order = _key_order(all_keys)
    if order is not None:
        all_keys, matrix = all_keys[order], matrix[order]
    if len(all_keys) < IVF_MIN_ROWS:
        return _CachedVectors(generation, all_keys, matrix)
    ivf = InvertedFileIndex.build(matrix)
    return _CachedVectors(generation, all_keys[ivf.order], matrix[ivf.order], ivf)


def _upsert(dialect: str) -> Any:
    """An INSERT of passages that replaces the title, text and vector of a passage id already in the corpus."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(passages)
    return statement.on_conflict_do_update(
        index_elements=[passages.c.corpus, passages.c.passage_id],
        set_={
            "title": statement.excluded.title,
            "text": statement.excluded.text,
            "vector": statement.excluded.vector,
        },
    )


def _insert(
    conn: Connection,
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
        conn.execute(update(corpora).where(corpora.c.name == corpus).values(dimension=int(np.shape(vectors)[1])))
    # one row per passage id, the last given winning (one statement may not change a row twice)
    rows = {
        d.id: {"corpus": corpus, "passage_id": d.id, "title": d.title, "text": d.text,
               "vector": blobs[i] if blobs is not None else None}
        for i, d in enumerate(docs)
    }
    unique = list(rows.values())
    statement = _upsert(conn.dialect.name)
    total, step = len(unique), max(1, batch_size)
    for start in range(0, total, step):
        chunk = unique[start : start + step]
        conn.execute(statement, chunk)
        if progress is not None:
            progress(start + len(chunk), total)
    count = conn.execute(select(func.count()).select_from(passages).where(passages.c.corpus == corpus)).scalar_one()
    conn.execute(
        update(corpora).where(corpora.c.name == corpus).values(passage_count=count, generation=_new_generation())
    )
    return int(count)


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
    half = np.ascontiguousarray(vectors, dtype=VECTOR_DTYPE)
    return [row.tobytes() for row in half]
