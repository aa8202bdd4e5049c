"""API keys, and the key that owns each verdict.

Revision ID: 0002_api_keys
Revises: 0001_verdicts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_api_keys"
down_revision = "0001_verdicts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=True),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("submit_rate", sa.Float, nullable=True),
        sa.Column("submit_burst", sa.Integer, nullable=True),
        sa.Column("read_rate", sa.Float, nullable=True),
        sa.Column("read_burst", sa.Integer, nullable=True),
    )
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("owner", sa.String(32), nullable=True))
        batch.create_index("verdicts_claim_owner_newest", ["claim_id", "owner", "id"])


def downgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_index("verdicts_claim_owner_newest")
        batch.drop_column("owner")
    op.drop_table("api_keys")
