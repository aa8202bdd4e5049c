"""Verdict history: every completed verification, once, keyed by task id.

Revision ID: 0001_verdicts
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_verdicts"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(128), nullable=False, unique=True),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("claim_text", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("model", sa.String(200), nullable=False, server_default=""),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("verified_at", sa.String(40), nullable=False),
    )
    op.create_index("verdicts_claim_newest", "verdicts", ["claim_id", "id"])


def downgrade() -> None:
    op.drop_index("verdicts_claim_newest", table_name="verdicts")
    op.drop_table("verdicts")
