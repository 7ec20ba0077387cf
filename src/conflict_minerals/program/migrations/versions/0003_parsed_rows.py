"""Parse once: answers, smelter rows (with their match) and products as rows; reference data,
status lists, the CAHRA list, report runs, originals and the message outbox in the database.

The parsed rows of submissions made before this migration are derived afterwards by
`conflict-minerals migrate` (it reads the stored originals once).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_parsed_rows"
down_revision = "0002_unique_versions"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def _text(*names: str) -> list[sa.Column[str]]:
    return [sa.Column(name, sa.Text) for name in names]


def upgrade() -> None:
    """Add the parsed-row, reference, report-run and outbox tables and columns."""
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("name_key", sa.String(300)))
        batch.create_index("ix_suppliers_name_key", ["name_key"])
        batch.create_index("ix_suppliers_unique_id", ["unique_id"])
    with op.batch_alter_table("supplier_aliases") as batch:
        batch.add_column(sa.Column("alias_key", sa.String(300)))
        batch.create_index("ix_supplier_aliases_key", ["alias_key"])
    _fill_name_keys()
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("version", existing_type=sa.Integer, nullable=True)
        batch.drop_column("parsed_json")
        batch.add_column(sa.Column("template_type", sa.String(10)))
        batch.add_column(sa.Column("language", sa.String(40)))
        batch.add_column(sa.Column("declared_unique_id", sa.String(100)))
        batch.add_column(sa.Column("company_json", sa.Text))
        batch.add_column(sa.Column("reader_version", sa.String(20)))
        batch.add_column(sa.Column("reference_version", sa.String(200)))
        batch.add_column(sa.Column("parsed_at", NOW))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("status", sa.String(12), nullable=False, server_default="written"))
        batch.add_column(sa.Column("subject", sa.Text))
        batch.add_column(sa.Column("recipients", sa.Text))
        batch.add_column(sa.Column("content", sa.Text))
        batch.add_column(sa.Column("message_id", sa.String(200)))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("sent_at", NOW))
        batch.add_column(sa.Column("error", sa.Text))
        batch.create_index("ix_messages_request", ["request_id"])
    _parsed_tables()
    _reference_tables()
    _report_tables()


def _fill_name_keys() -> None:
    from conflict_minerals.smelters.names import name_key

    bind = op.get_bind()
    for table, column, key in (("suppliers", "name", "name_key"), ("supplier_aliases", "alias", "alias_key")):
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
        for row_id, name in rows:
            bind.execute(sa.text(f"UPDATE {table} SET {key} = :k WHERE id = :i"), {"k": name_key(name), "i": row_id})


def _submission() -> sa.Column[int]:
    return sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False)


def _parsed_tables() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        _submission(),
        sa.Column("question", sa.String(10), nullable=False),
        sa.Column("metal", sa.String(20)),
        *_text("value", "comment"),
        sa.Column("cell", sa.String(20), nullable=False),
        sa.Column("comment_cell", sa.String(20), nullable=False),
        sa.Column("recognized", sa.Boolean, nullable=False),
    )
    op.create_index("ix_answers_submission", "answers", ["submission_id"])
    op.create_table(
        "smelter_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        _submission(),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("metal", sa.String(20)),
        sa.Column("smelter_id", sa.String(20)),
        *_text("name", "country", "lookup_name", "id_source", "street", "city", "state_province"),
        *_text("contact_name", "contact_email", "next_steps", "mine_name", "mine_country", "recycled_scrap"),
        *_text("comments"),
        sa.Column("not_listed", sa.Boolean, nullable=False),
        sa.Column("not_yet_identified", sa.Boolean, nullable=False),
        *_text("entered_name", "entered_country"),
        sa.Column("match_smelter_id", sa.String(20)),
        *_text("match_name"),
        sa.Column("match_metal", sa.String(20)),
        *_text("match_country"),
        sa.Column("match_method", sa.String(12), nullable=False),
        sa.Column("match_confidence", sa.Float, nullable=False),
        *_text("match_reason", "match_problems", "facility_key"),
    )
    op.create_index("ix_smelter_rows_submission", "smelter_rows", ["submission_id"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True),
        _submission(),
        sa.Column("row", sa.Integer, nullable=False),
        *_text("number", "name", "comments"),
    )
    op.create_index("ix_products_submission", "products", ["submission_id"])
    op.create_table(
        "file_contents",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def _imported() -> list[sa.Column[object]]:
    return [
        sa.Column("imported_at", NOW, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
    ]


def _reference_tables() -> None:
    op.create_table(
        "reference_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(100), nullable=False, unique=True),
        sa.Column("list_date", sa.Date),
        sa.Column("source", sa.Text, nullable=False),
        *_imported(),
    )
    op.create_table(
        "reference_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision_id", sa.Integer, sa.ForeignKey("reference_revisions.id"), nullable=False),
        sa.Column("metal", sa.String(20), nullable=False),
        sa.Column("lookup_name", sa.Text, nullable=False),
        sa.Column("standard_name", sa.Text, nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("smelter_id", sa.String(20), nullable=False),
        *_text("id_source", "city", "state_province"),
    )
    op.create_index("ix_reference_entries_revision", "reference_entries", ["revision_id"])
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("list_kind", sa.String(20)),
        *_imported(),
    )
    op.create_table(
        "status_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("status_lists.id"), nullable=False),
        sa.Column("smelter_id", sa.String(20), nullable=False),
        sa.Column("metal", sa.String(20)),
        *_text("name", "country"),
        sa.Column("bucket", sa.String(20), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        *_text("last_audit", "audit_cycle"),
    )
    op.create_index("ix_status_entries_list", "status_entries", ["list_id"])
    op.create_table(
        "cahra_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("countries", sa.Text, nullable=False),
        *_imported(),
    )


def _report_tables() -> None:
    op.create_table(
        "trusted_templates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("template_type", sa.String(10), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        *_imported(),
    )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("inputs_digest", sa.String(64), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
    )
    op.create_index("ix_report_runs_campaign", "report_runs", ["campaign_id"])
    op.create_table(
        "report_inputs",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("report_runs.id"), primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("supplier", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Not supported: the parsed rows and reference data would be lost."""
    raise NotImplementedError("downgrading below 0003 is not supported")
