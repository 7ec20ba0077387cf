"""An index on smelter_rows.facility_key: one facility's rows (its evidence) without reading every row."""

from __future__ import annotations

from alembic import op

revision = "0009_facility_rows_index"
down_revision = "0008_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_smelter_rows_facility_key", "smelter_rows", ["facility_key"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_smelter_rows_facility_key", "smelter_rows")
