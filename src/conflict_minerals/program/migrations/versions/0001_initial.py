"""Initial workspace schema: suppliers, campaigns, requests, files, submissions, findings, events, messages."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the first tables."""
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("unique_id", sa.String(100)),
        sa.Column("unique_id_authority", sa.String(100)),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_table(
        "supplier_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("supplier_id", sa.Integer, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("alias", sa.String(300), nullable=False),
        sa.UniqueConstraint("supplier_id", "alias"),
    )
    op.create_table(
        "supplier_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("supplier_id", sa.Integer, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("email", sa.String(300)),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, unique=True),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("require_product_level", sa.Boolean, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("supplier_id", sa.Integer, sa.ForeignKey("suppliers.id"), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("requested_at", NOW, nullable=False),
        sa.Column("last_contact_at", NOW),
        sa.Column("reminders_sent", sa.Integer, nullable=False),
        sa.Column("current_submission_id", sa.Integer),
        sa.UniqueConstraint("campaign_id", "supplier_id"),
    )
    op.create_table(
        "files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("stored_path", sa.String(500), nullable=False),
        sa.Column("first_name", sa.String(500), nullable=False),
        sa.Column("stored_at", NOW, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("supplier_id", sa.Integer, sa.ForeignKey("suppliers.id")),
        sa.Column("file_sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("received_at", NOW, nullable=False),
        sa.Column("readable", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("template_version", sa.String(20)),
        sa.Column("declared_company", sa.String(300)),
        sa.Column("declaration_scope", sa.String(1)),
        sa.Column("effective_date", sa.Date),
        sa.Column("parsed_json", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("campaign_id", "file_sha256"),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("sheet", sa.String(100)),
        sa.Column("cell", sa.String(20)),
        sa.Column("waived", sa.Boolean, nullable=False),
        sa.Column("waiver_reason", sa.Text),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", NOW, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("campaign_year", sa.Integer),
        sa.Column("supplier_id", sa.Integer),
        sa.Column("submission_id", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("requests.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("sent_via", sa.String(20), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_index("ix_submissions_supplier", "submissions", ["supplier_id"])
    op.create_index("ix_findings_submission", "findings", ["submission_id"])
    op.create_index("ix_events_supplier", "events", ["supplier_id"])


def downgrade() -> None:
    """Drop every table (the whole workspace history)."""
    for table in (
        "messages",
        "events",
        "findings",
        "submissions",
        "files",
        "requests",
        "campaigns",
        "supplier_contacts",
        "supplier_aliases",
        "suppliers",
    ):
        op.drop_table(table)
