"""The workspace database tables (SQLAlchemy Core). Changes go through named Alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    CursorResult,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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
)

supplier_aliases = Table(
    "supplier_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("alias", String(300), nullable=False),
    UniqueConstraint("supplier_id", "alias"),
)

supplier_contacts = Table(
    "supplier_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("name", String(200)),
    Column("email", String(300)),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False, unique=True),
    Column("due_date", Date, nullable=False),
    Column("require_product_level", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
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
    UniqueConstraint("campaign_id", "supplier_id"),
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
    Column("parsed_json", Text),
    Column("version", Integer, nullable=False, default=1),
    UniqueConstraint("campaign_id", "file_sha256"),
    UniqueConstraint("campaign_id", "supplier_id", "version", name="uq_submissions_version"),
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
)


def inserted_id(result: CursorResult[object]) -> int:
    """Return the primary key of the row an INSERT created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
