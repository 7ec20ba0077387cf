"""One version number per supplier and campaign, so two ingests at once cannot both write 'v2'."""

from __future__ import annotations

from alembic import op

revision = "0002_unique_versions"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the unique constraint on (campaign, supplier, version)."""
    with op.batch_alter_table("submissions") as batch:
        batch.create_unique_constraint("uq_submissions_version", ["campaign_id", "supplier_id", "version"])


def downgrade() -> None:
    """Drop the constraint."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("uq_submissions_version", type_="unique")
