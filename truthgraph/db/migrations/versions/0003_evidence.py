"""Evidence corpora in the database: corpora, passages with their vectors, and lexical search for each dialect.

On SQLite an FTS5 table indexes the passages (external content, kept by triggers); on PostgreSQL a generated
``tsvector`` column (title weighted A, text B) with a GIN index does.

Revision ID: 0003_evidence
Revises: 0002_api_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_evidence"
down_revision = "0002_api_keys"
branch_labels = None
depends_on = None

#: The PostgreSQL text-search configuration of the ``search`` column (the queries must use the same one).
TEXT_SEARCH_CONFIG = "english"

_FTS5 = [
    "CREATE VIRTUAL TABLE passages_fts USING fts5("
    "title, text, content='passages', content_rowid='key', tokenize='porter unicode61')",
    "CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN "
    "INSERT INTO passages_fts(rowid, title, text) VALUES (new.key, new.title, new.text); END",
    "CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', old.key, old.title, old.text); END",
    "CREATE TRIGGER passages_au AFTER UPDATE OF title, text ON passages BEGIN "
    "INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', old.key, old.title, old.text); "
    "INSERT INTO passages_fts(rowid, title, text) VALUES (new.key, new.title, new.text); END",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "corpora",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("passage_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("embedder", sa.String(200)),
        sa.Column("dimension", sa.Integer),
        sa.Column("generation", sa.String(32), nullable=False),
    )
    search = []
    if dialect == "postgresql":
        weighted = (
            f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}'::regconfig, title), 'A') || "
            f"setweight(to_tsvector('{TEXT_SEARCH_CONFIG}'::regconfig, text), 'B')"
        )
        search = [sa.Column("search", postgresql.TSVECTOR, sa.Computed(weighted, persisted=True))]
    op.create_table(
        "passages",
        sa.Column("key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("corpus", sa.String(64), sa.ForeignKey("corpora.name", ondelete="CASCADE"), nullable=False),
        sa.Column("passage_id", sa.String(256), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("vector", sa.LargeBinary),
        *search,
        sa.UniqueConstraint("corpus", "passage_id", name="passages_corpus_passage_id"),
    )
    if dialect == "postgresql":
        op.create_index("passages_search", "passages", ["search"], postgresql_using="gin")
    elif dialect == "sqlite":
        # lets a lexical search filter its matches by corpus without reading the passages' rows
        op.create_index("passages_key_corpus", "passages", ["key", "corpus"])
        for statement in _FTS5:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("passages_ai", "passages_ad", "passages_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS passages_fts")
    op.drop_table("passages")
    op.drop_table("corpora")
