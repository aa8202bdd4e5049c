"""The tables of the database (SQLAlchemy Core); Alembic's migrations create and change them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: Every completed verification, written once (keyed by its task id) and kept: a claim's verdict history.
verdicts = Table(
    "verdicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(128), nullable=False, unique=True),
    Column("claim_id", String(128), nullable=False),
    Column("claim_text", Text, nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("model", String(200), nullable=False, server_default=""),
    # the verdict as clients read it: probabilities, evidence (passage ids, corpus, title, sentence, stance
    # probabilities), timings, calibration and corpora it was reached with
    Column("result", JSON, nullable=False),
    Column("verified_at", String(40), nullable=False),
    # the API key whose task produced the verdict (None: submitted with authentication off)
    Column("owner", String(32), nullable=True),
    # what the verdict depends on, hashed (truthgraph.verification.cache_key): the verdict cache looks it up
    Column("cache_key", String(64), nullable=True),
    Index("verdicts_claim_newest", "claim_id", "id"),
    Index("verdicts_claim_owner_newest", "claim_id", "owner", "id"),
    Index("verdicts_cache_key", "cache_key", "id"),
)

#: API keys: a public id for lookup, the secret only as a hash, scopes, expiry, revocation and rate limits.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=True),
    Column("revoked_at", String(40), nullable=True),
    Column("submit_rate", Float, nullable=True),
    Column("submit_burst", Integer, nullable=True),
    Column("read_rate", Float, nullable=True),
    Column("read_burst", Integer, nullable=True),
)

#: Named collections of passages. ``generation`` changes with every write to the corpus, so a worker holding its
#: vectors in memory knows when to read them again.
corpora = Table(
    "corpora",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", String(40), nullable=False),
    Column("passage_count", Integer, nullable=False, server_default="0"),
    # the embedder the vectors came from; NULL for a corpus searched by its words alone
    Column("embedder", String(200)),
    Column("dimension", Integer),
    Column("generation", String(32), nullable=False),
)

#: A passage's store key: 64-bit on PostgreSQL, SQLite's rowid there (FTS5 indexes the passages by it).
PASSAGE_KEY = BigInteger().with_variant(Integer(), "sqlite")

#: The passages of the corpora, with their dense vectors (little-endian float16, one blob a passage).
#: Lexical search is dialect-specific and created by the migration only: on SQLite the FTS5 table ``passages_fts``
#: (kept by triggers), on PostgreSQL the generated ``tsvector`` column ``search`` with a GIN index.
passages = Table(
    "passages",
    metadata,
    Column("key", PASSAGE_KEY, primary_key=True, autoincrement=True),
    Column("corpus", String(64), ForeignKey("corpora.name", ondelete="CASCADE"), nullable=False),
    Column("passage_id", String(256), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("vector", LargeBinary),
    UniqueConstraint("corpus", "passage_id", name="passages_corpus_passage_id"),
)
