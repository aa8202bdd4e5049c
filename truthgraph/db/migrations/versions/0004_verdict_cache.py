"""The verdict cache: each verdict's cache key (claim text, corpus generations, model, calibration), indexed.

Revision ID: 0004_verdict_cache
Revises: 0003_evidence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_verdict_cache"
down_revision = "0003_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("cache_key", sa.String(64), nullable=True))
        batch.create_index("verdicts_cache_key", ["cache_key", "id"])


def downgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_index("verdicts_cache_key")
        batch.drop_column("cache_key")
