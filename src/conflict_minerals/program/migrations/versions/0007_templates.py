"""Several templates per campaign: a request per supplier and template, versions per template, the Mine List."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_templates"
down_revision = "0006_outreach_facilities"
branch_labels = None
depends_on = None

# SQLite keeps the initial unique constraint on requests unnamed: this names it so that it can be dropped.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s"}


def upgrade() -> None:
    """Add campaigns.templates, requests.template_type (unique per campaign, supplier and template), versions
    per template, the requester's product columns and the mine_rows table."""
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("templates", sa.String(100), nullable=False, server_default="CMRT"))
    _drop_request_unique()
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("template_type", sa.String(10), nullable=False, server_default="CMRT"))
        batch.create_unique_constraint("uq_requests_template", ["campaign_id", "supplier_id", "template_type"])
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("uq_submissions_version", type_="unique")
        batch.create_unique_constraint(
            "uq_submissions_version", ["campaign_id", "supplier_id", "template_type", "version"]
        )
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("requester_number", sa.Text, nullable=True))
        batch.add_column(sa.Column("requester_name", sa.Text, nullable=True))
    op.create_table(
        "mine_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("mineral", sa.String(40)),
        sa.Column("smelter_name", sa.Text),
        sa.Column("mine_name", sa.Text),
        sa.Column("mine_id", sa.Text),
        sa.Column("country", sa.Text),
        sa.Column("comments", sa.Text),
    )
    op.create_index("ix_mine_rows_submission", "mine_rows", ["submission_id"])


def _drop_request_unique() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("requests", naming_convention=NAMING, recreate="always") as batch:
            batch.drop_constraint("uq_requests_campaign_id_supplier_id", type_="unique")
        return
    for constraint in sa.inspect(bind).get_unique_constraints("requests"):
        if constraint["column_names"] == ["campaign_id", "supplier_id"] and constraint["name"]:
            op.drop_constraint(constraint["name"], "requests", type_="unique")


def downgrade() -> None:
    """Drop what upgrade added (a campaign must ask for the CMRT only)."""
    op.drop_index("ix_mine_rows_submission", "mine_rows")
    op.drop_table("mine_rows")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("requester_name")
        batch.drop_column("requester_number")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("uq_submissions_version", type_="unique")
        batch.create_unique_constraint("uq_submissions_version", ["campaign_id", "supplier_id", "version"])
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint("uq_requests_template", type_="unique")
        batch.drop_column("template_type")
        batch.create_unique_constraint("uq_requests_campaign_supplier", ["campaign_id", "supplier_id"])
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("templates")
