"""Filings read from EDGAR (`filings import`): last year's Form SD and annex as a baseline for the year over year."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_filings"
down_revision = "0003_parsed_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the filings table."""
    op.create_table(
        "filings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("registrant", sa.Text),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_index("ix_filings_period", "filings", ["period"])


def downgrade() -> None:
    """Drop the filings table."""
    op.drop_index("ix_filings_period", "filings")
    op.drop_table("filings")
