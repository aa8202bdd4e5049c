"""The tables of the database (SQLAlchemy Core); Alembic's migrations create and change them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, MetaData, String, Table, Text

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
    Index("verdicts_claim_newest", "claim_id", "id"),
    Index("verdicts_claim_owner_newest", "claim_id", "owner", "id"),
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
