"""The workspace database tables (SQLAlchemy Core). Changes go through named Alembic migrations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    CursorResult,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
)

metadata = MetaData()

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("unique_id", String(100)),
    Column("unique_id_authority", String(100)),
    Column("tier", Integer, nullable=False, default=1),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("name_key", String(300)),
    Column("language", String(20)),
    Index("ix_suppliers_name_key", "name_key"),
    Index("ix_suppliers_unique_id", "unique_id"),
)

supplier_aliases = Table(
    "supplier_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("alias", String(300), nullable=False),
    Column("alias_key", String(300)),
    UniqueConstraint("supplier_id", "alias"),
    Index("ix_supplier_aliases_key", "alias_key"),
)

supplier_contacts = Table(
    "supplier_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("name", String(200)),
    Column("email", String(300)),
    Index("ix_supplier_contacts_supplier", "supplier_id"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False, unique=True),
    Column("due_date", Date, nullable=False),
    Column("require_product_level", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("templates", String(100), nullable=False, default="CMRT", server_default="CMRT"),  # "CMRT,EMRT"
)

requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("state", String(30), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("last_contact_at", DateTime(timezone=True)),
    Column("reminders_sent", Integer, nullable=False, default=0),
    Column("current_submission_id", Integer),
    Column("due_date", Date),  # this supplier's own due date (an extension, a correction); else the campaign's
    Column("escalated_at", DateTime(timezone=True)),
    Column("template_type", String(10), nullable=False, default="CMRT", server_default="CMRT"),
    UniqueConstraint("campaign_id", "supplier_id", "template_type", name="uq_requests_template"),
)

files = Table(
    "files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("stored_path", String(500), nullable=False),
    Column("first_name", String(500), nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("supplier_id", Integer, ForeignKey("suppliers.id")),
    Column("file_sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("readable", Boolean, nullable=False),
    Column("error", Text),
    Column("template_version", String(20)),
    Column("declared_company", String(300)),
    Column("declaration_scope", String(1)),
    Column("effective_date", Date),
    Column("version", Integer),  # the supplier's version number; none for unreadable or unassigned files
    Column("template_type", String(10)),
    Column("language", String(40)),
    Column("declared_unique_id", String(100)),
    Column("company_json", Text),
    Column("reader_version", String(20)),
    Column("reference_version", String(200)),
    Column("parsed_at", DateTime(timezone=True)),
    Column("discarded_at", DateTime(timezone=True)),  # an unassigned or unreadable file set aside by a person
    UniqueConstraint("campaign_id", "file_sha256"),
    UniqueConstraint("campaign_id", "supplier_id", "template_type", "version", name="uq_submissions_version"),
    Index("ix_submissions_supplier", "supplier_id"),
)

# What each CMRT declares, parsed once at ingest (or by an explicit reprocess).
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("question", String(10), nullable=False),
    Column("metal", String(20)),
    Column("value", Text),
    Column("comment", Text),
    Column("cell", String(20), nullable=False),
    Column("comment_cell", String(20), nullable=False),
    Column("recognized", Boolean, nullable=False),
    Index("ix_answers_submission", "submission_id"),
)

smelter_rows = Table(
    "smelter_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("row", Integer, nullable=False),
    Column("metal", String(20)),
    Column("smelter_id", String(20)),
    Column("name", Text),
    Column("country", Text),
    Column("lookup_name", Text),
    Column("id_source", Text),
    Column("street", Text),
    Column("city", Text),
    Column("state_province", Text),
    Column("contact_name", Text),
    Column("contact_email", Text),
    Column("next_steps", Text),
    Column("mine_name", Text),
    Column("mine_country", Text),
    Column("recycled_scrap", Text),
    Column("comments", Text),
    Column("not_listed", Boolean, nullable=False),
    Column("not_yet_identified", Boolean, nullable=False),
    Column("entered_name", Text),
    Column("entered_country", Text),
    Column("match_smelter_id", String(20)),
    Column("match_name", Text),
    Column("match_metal", String(20)),
    Column("match_country", Text),
    Column("match_method", String(12), nullable=False),
    Column("match_confidence", Float, nullable=False),
    Column("match_reason", Text),
    Column("match_problems", Text),
    Column("facility_key", Text),
    Index("ix_smelter_rows_submission", "submission_id"),
    Index("ix_smelter_rows_facility_key", "facility_key"),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("row", Integer, nullable=False),
    Column("number", Text),
    Column("name", Text),
    Column("comments", Text),
    Column("requester_number", Text),  # CMRT 6.6, EMRT 2.1, AMRT 1.3: the requester's own product number
    Column("requester_name", Text),
    Index("ix_products_submission", "submission_id"),
)

# The Mine List of an EMRT 2.x or AMRT: the mines a supplier declared and the smelter each supplies.
mine_rows = Table(
    "mine_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("row", Integer, nullable=False),
    Column("mineral", String(40)),
    Column("smelter_name", Text),
    Column("mine_name", Text),
    Column("mine_id", Text),
    Column("country", Text),
    Column("comments", Text),
    Index("ix_mine_rows_submission", "submission_id"),
)

# Originals kept in the database when it is shared (PostgreSQL); SQLite keeps them in files/.
file_contents = Table(
    "file_contents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("code", String(30), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("sheet", String(100)),
    Column("cell", String(20)),
    Column("waived", Boolean, nullable=False, default=False),
    Column("waiver_reason", Text),
    Index("ix_findings_submission", "submission_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("campaign_year", Integer),
    Column("supplier_id", Integer),
    Column("submission_id", Integer),
    Column("detail", Text, nullable=False),
    Column("reason", Text),
    Index("ix_events_supplier", "supplier_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("path", String(500), nullable=False),
    Column("sent_via", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False, default="written"),
    Column("subject", Text),
    Column("recipients", Text),
    Column("content", Text),
    Column("message_id", String(200)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", DateTime(timezone=True)),
    Column("error", Text),
    Column("attachment", String(64)),  # sha256 of a trusted blank template, attached when written or sent
    Index("ix_messages_request", "request_id"),
)

# The facility master: a reviewer's decision on a facility name (or Smelter ID), applied from a year on.
facility_decisions = Table(
    "facility_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_key", Text, nullable=False),
    Column("metal", String(20)),
    Column("name", Text, nullable=False),
    Column("country", Text),
    Column("action", String(10), nullable=False),  # map, confirm, exclude
    Column("smelter_id", String(20)),
    Column("exclusion", String(30)),
    Column("reason", Text, nullable=False),
    Column("from_year", Integer, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
    Index("ix_facility_decisions_key", "facility_key"),
)

# Trusted reference data: RMI look-up revisions, status lists and the CAHRA list, shared by every user.
reference_revisions = Table(
    "reference_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(100), nullable=False, unique=True),
    Column("list_date", Date),
    Column("source", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
)

reference_entries = Table(
    "reference_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision_id", Integer, ForeignKey("reference_revisions.id"), nullable=False),
    Column("metal", String(20), nullable=False),
    Column("lookup_name", Text, nullable=False),
    Column("standard_name", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("smelter_id", String(20), nullable=False),
    Column("id_source", Text),
    Column("city", Text),
    Column("state_province", Text),
    Index("ix_reference_entries_revision", "revision_id"),
)

status_lists = Table(
    "status_lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("list_kind", String(20)),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
)

status_entries = Table(
    "status_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("status_lists.id"), nullable=False),
    Column("smelter_id", String(20), nullable=False),
    Column("metal", String(20)),
    Column("name", Text),
    Column("country", Text),
    Column("bucket", String(20), nullable=False),
    Column("label", Text, nullable=False),
    Column("last_audit", Text),
    Column("audit_cycle", Text),
    Index("ix_status_entries_list", "list_id"),
)

cahra_lists = Table(
    "cahra_lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("countries", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
)

# Blank RMI templates an operator imported as trusted: the only workbooks the company's own templates are written into.
trusted_templates = Table(
    "trusted_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("template_type", String(10), nullable=False),
    Column("version", String(20), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False),
)

# A report run: what it was computed from and the model it produced, so explain looks it up.
report_runs = Table(
    "report_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("period", Integer, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("inputs_digest", String(64), nullable=False),
    Column("model", Text, nullable=False),
    Index("ix_report_runs_campaign", "campaign_id"),
)

report_inputs = Table(
    "report_inputs",
    metadata,
    Column("run_id", Integer, ForeignKey("report_runs.id"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("supplier", Text, nullable=False),
)


filings = Table(
    "filings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period", Integer, nullable=False),
    Column("registrant", Text),
    Column("source_name", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Index("ix_filings_period", "period"),
)


# Accounts of the web app: a role each (viewer, reviewer, admin) and an argon2 password hash.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("session_epoch", Integer, nullable=False, server_default="0"),  # bumped when deactivated
    Column("name_key", String(200), nullable=False, unique=True),  # the name casefolded: one account in any case
)

# Secrets the app makes for itself (the session signing key), shared by every worker process.
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A counter bumped by every write transaction in the same commit: what is kept in memory from the
# program (the dashboard, a consolidation) is reused only while it has not moved, in every process.
changes = Table(
    "changes",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("counter", BigInteger, nullable=False),
)

# Failed sign-ins, shared by every worker process: only a hash of the name or address is kept.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_hash", String(64), nullable=False, index=True),
    Column("failed_at", DateTime(timezone=True), nullable=False),
)


BULK_CHUNK = 500  # rows per INSERT statement


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows with few statements."""
    for start in range(0, len(rows), BULK_CHUNK):
        connection.execute(insert(table), list(rows[start : start + BULK_CHUNK]))


def inserted_id(result: CursorResult[object]) -> int:
    """Return the primary key of the row an INSERT created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
