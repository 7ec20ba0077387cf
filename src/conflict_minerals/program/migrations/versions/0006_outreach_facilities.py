"""Outreach and the facility master: due dates per request, supplier language, attachments, facility decisions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_outreach_facilities"
down_revision = "0005_campaign_closed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add requests.due_date/escalated_at, suppliers.language, messages.attachment, submissions.discarded_at and
    facility_decisions."""
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("due_date", sa.Date, nullable=True))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("language", sa.String(20), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("attachment", sa.String(64), nullable=True))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "facility_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("facility_key", sa.Text, nullable=False),
        sa.Column("metal", sa.String(20)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("country", sa.Text),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("smelter_id", sa.String(20)),
        sa.Column("exclusion", sa.String(30)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("from_year", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_facility_decisions_key", "facility_decisions", ["facility_key"])
    # reading suppliers in chunks looked their contacts up by scanning the table: quadratic at 100,000
    op.create_index("ix_supplier_contacts_supplier", "supplier_contacts", ["supplier_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_supplier_contacts_supplier", "supplier_contacts")
    op.drop_index("ix_facility_decisions_key", "facility_decisions")
    op.drop_table("facility_decisions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("discarded_at")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("attachment")
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("due_date")
