"""Campaigns can be closed: a closed campaign is kept, reported on, and no longer the default."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_campaign_closed"
down_revision = "0004_filings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add campaigns.closed_at."""
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop campaigns.closed_at."""
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("closed_at")
