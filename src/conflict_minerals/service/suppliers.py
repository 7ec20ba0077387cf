"""Suppliers as the web's Suppliers list and Supplier page show them (the same rows `status` prints)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, and_, select, true

from conflict_minerals.program.audit import as_utc
from conflict_minerals.program.campaign import RequestView, count_requests, overview, require_campaign
from conflict_minerals.program.decisions import StoredFinding, submission_findings
from conflict_minerals.program.originals import OriginalMissingError, read_original
from conflict_minerals.program.schema import messages, requests, submissions, suppliers, trusted_templates
from conflict_minerals.program.suppliers import SupplierRecord, get_supplier
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.service.versions import VersionChanges, version_changes

SORTS = ("supplier", "state", "findings", "last_contact", "template", "revision")
FINDING_FILTERS = ("errors", "warnings", "none")


@dataclass(frozen=True, slots=True)
class SupplierRow:
    """One supplier and template in the campaign: state, open findings, last contact, revision."""

    supplier_id: int
    supplier: str
    template: str
    revision: str | None
    state: str
    version: int | None
    errors: int
    warnings: int
    last_contact: dt.date | None
    due_date: dt.date
    escalated: bool


@dataclass(frozen=True, slots=True)
class SupplierQuery:
    """What the Suppliers list is asked for: a search text, filters and a sort column."""

    search: str = ""
    state: str = ""
    template: str = ""
    findings: str = ""  # "errors", "warnings", "none" or "" for any
    sort: str = "supplier"
    descending: bool = False
    page: int = 1  # pages of PER_PAGE rows


PER_PAGE = 100
# Sorts the database does (so a page is read alone); the findings sort needs the counts first.
_SQL_SORTS = {
    "supplier": (suppliers.c.name, requests.c.template_type),
    "state": (requests.c.state, suppliers.c.name),
    "template": (requests.c.template_type, suppliers.c.name),
    "last_contact": (requests.c.last_contact_at, suppliers.c.name),
    "revision": (submissions.c.template_version, suppliers.c.name),
}


def _row(view: RequestView) -> SupplierRow:
    return SupplierRow(
        view.supplier_id,
        view.supplier,
        view.template,
        view.template_version,
        view.state.value,
        view.current_version,
        view.open_findings.get("error", 0),
        view.open_findings.get("warning", 0),
        view.last_contact_at.date() if view.last_contact_at else None,
        view.due_date,
        view.escalated_at is not None,
    )


def _wanted(row: SupplierRow, query: SupplierQuery) -> bool:
    if query.search and query.search.casefold() not in row.supplier.casefold():
        return False
    if query.state and row.state != query.state:
        return False
    if query.template and row.template != query.template:
        return False
    if query.findings == "errors":
        return row.errors > 0
    if query.findings == "warnings":
        return row.warnings > 0
    if query.findings == "none":
        return row.errors == 0 and row.warnings == 0
    return True


def _sort_key(sort: str) -> object:
    keys = {
        "state": lambda r: (r.state, r.supplier.casefold()),
        "findings": lambda r: (r.errors, r.warnings, r.supplier.casefold()),
        "last_contact": lambda r: (r.last_contact or dt.date.min, r.supplier.casefold()),
        "template": lambda r: (r.template, r.supplier.casefold()),
        "revision": lambda r: (r.revision or "", r.supplier.casefold()),
    }
    return keys.get(sort, lambda r: (r.supplier.casefold(), r.template))


def supplier_rows(
    workspace: Workspace, year: int | None = None, query: SupplierQuery | None = None
) -> tuple[int, list[SupplierRow], int]:
    """The campaign year, one page of its supplier rows (searched, filtered and sorted as asked), and how
    many rows match in all. Search, state and template filter in the database, and so does the sort unless
    it needs the findings: at 10,000 suppliers only the page asked for is built."""
    query = query or SupplierQuery()
    first = (max(1, query.page) - 1) * PER_PAGE
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        where = _conditions(query)
        if not query.findings and query.sort in _SQL_SORTS:
            total = count_requests(connection, campaign, where)
            columns = _SQL_SORTS[query.sort]
            order = [c.desc() if query.descending else c for c in columns]
            views = overview(connection, campaign, None, where, order=order, limit=PER_PAGE, offset=first)
            return campaign.year, [_row(view) for view in views], total
        views = overview(connection, campaign, None, where)
    rows = [row for row in map(_row, views) if _wanted(row, query)]
    rows.sort(key=_sort_key(query.sort), reverse=query.descending)  # type: ignore[arg-type]
    return campaign.year, rows[first : first + PER_PAGE], len(rows)


def _conditions(query: SupplierQuery) -> Any:
    """The query's search, state and template as one SQL condition."""
    found: list[Any] = [true()]
    if query.search:
        found.append(suppliers.c.name.ilike(f"%{_escape_like(query.search)}%", escape="\\"))
    if query.state:
        found.append(requests.c.state == query.state)
    if query.template:
        found.append(requests.c.template_type == query.template)
    return and_(*found)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


SUGGESTED = 20  # names offered while someone types


def supplier_names(workspace: Workspace, search: str, limit: int = SUGGESTED) -> list[str]:
    """Suppliers whose name contains the text (those starting with it first), for a field that suggests names."""
    text = " ".join(search.split())[:200]
    if not text:
        return []
    pattern = f"%{_escape_like(text)}%"
    starts = suppliers.c.name.ilike(f"{_escape_like(text)}%", escape="\\")
    query = (
        select(suppliers.c.name)
        .where(suppliers.c.name.ilike(pattern, escape="\\"))
        .order_by(starts.desc(), suppliers.c.name)
        .limit(limit)
    )
    with workspace.read() as connection:
        return [str(name) for name in connection.scalars(query)]


def supplier_ids(workspace: Workspace, names: Iterable[str]) -> dict[str, int]:
    """The ids of the suppliers of these names (those a page links to), without reading every supplier."""
    wanted = sorted(set(names))
    found: dict[str, int] = {}
    with workspace.read() as connection:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = connection.execute(select(suppliers.c.name, suppliers.c.id).where(suppliers.c.name.in_(chunk)))
            found.update({str(name): int(key) for name, key in rows})
    return found


@dataclass(frozen=True, slots=True)
class SubmittedVersion:
    """One file a supplier sent in the campaign, with its findings."""

    submission_id: int
    template: str | None
    version: int | None
    file_name: str
    sha256: str
    received_at: dt.datetime
    readable: bool
    revision: str | None
    error: str | None
    current: bool
    findings: tuple[StoredFinding, ...]
    changes: VersionChanges | None = None  # against the previous readable version of the same template


def _changes(
    connection: Connection, rows: Sequence[Any], found: dict[int, tuple[StoredFinding, ...]]
) -> dict[int, VersionChanges]:
    """Each readable version against the previous readable version of the same template (rows newest first)."""
    changes: dict[int, VersionChanges] = {}
    last: dict[str | None, Any] = {}  # per template, the previous readable version
    for newer in reversed(rows):
        if not (newer.readable and newer.version):
            continue
        older = last.get(newer.template_type)
        if older is not None:
            changes[newer.id] = version_changes(
                connection,
                (older.id, older.version, older.template_version, found[older.id]),
                (newer.id, newer.template_version, found[newer.id]),
            )
        last[newer.template_type] = newer
    return changes


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message written to the supplier (request, reminder, correction, escalation)."""

    kind: str
    template: str
    created_at: dt.datetime
    status: str
    subject: str | None
    recipients: str | None
    id: int = 0


@dataclass(frozen=True, slots=True)
class SupplierDetail:
    """What the Supplier page shows: contacts, requests, every version with its findings, correspondence."""

    record: SupplierRecord
    year: int
    requests: tuple[SupplierRow, ...]
    versions: tuple[SubmittedVersion, ...]
    messages: tuple[SentMessage, ...]


def supplier_detail(workspace: Workspace, supplier_id: int, year: int | None = None) -> SupplierDetail:
    """A supplier's page: contacts, its requests in the campaign, every version (newest first), messages."""
    with workspace.read() as connection:
        record = get_supplier(connection, supplier_id)
        campaign = require_campaign(connection, year)
        views = overview(connection, campaign, None, requests.c.supplier_id == supplier_id)
        current = {v.current_submission_id for v in views}
        rows = connection.execute(
            select(submissions)
            .where(and_(submissions.c.campaign_id == campaign.id, submissions.c.supplier_id == supplier_id))
            .order_by(submissions.c.id.desc())
        ).all()
        found = {r.id: tuple(submission_findings(connection, r.id)) for r in rows}
        changes = _changes(connection, rows, found)
        versions = tuple(
            SubmittedVersion(
                r.id,
                r.template_type,
                r.version,
                r.file_name,
                r.file_sha256,
                as_utc(r.received_at),
                r.readable,
                r.template_version,
                r.error,
                r.id in current,
                found[r.id],
                changes.get(r.id),
            )
            for r in rows
        )
        sent = connection.execute(
            select(messages, requests.c.template_type)
            .join(requests, requests.c.id == messages.c.request_id)
            .where(and_(requests.c.campaign_id == campaign.id, requests.c.supplier_id == supplier_id))
            .order_by(messages.c.id.desc())
        ).all()
    letters = tuple(
        SentMessage(m.kind, m.template_type, as_utc(m.created_at), m.status, m.subject, m.recipients, m.id)
        for m in sent
    )
    return SupplierDetail(record, campaign.year, tuple(map(_row, views)), versions, letters)


def supplier_name(workspace: Workspace, supplier_id: int) -> str:
    """The name of the supplier with this id (the key the decision functions take)."""
    with workspace.read() as connection:
        return get_supplier(connection, supplier_id).name


def original_of(workspace: Workspace, submission_id: int) -> tuple[str, bytes]:
    """The file name and bytes of a submission's original, looked up by the submission's id only."""
    with workspace.read() as connection:
        row = connection.execute(
            select(submissions.c.file_name, submissions.c.file_sha256).where(submissions.c.id == submission_id)
        ).first()
    if row is None:
        raise OriginalMissingError(f"there is no submission {submission_id}.", "original.unknown")
    return row.file_name, read_original(workspace, row.file_sha256)


@dataclass(frozen=True, slots=True)
class MessageText:
    """A message written to a supplier, as it reads: its headers and its plain-text body."""

    message: SentMessage
    sender: str
    body: str
    attachments: tuple[str, ...]


def message_text(workspace: Workspace, supplier_id: int, message_id: int) -> MessageText | None:
    """One of the supplier's messages as written (None when the supplier has no message of that number)."""
    with workspace.read() as connection:
        row = connection.execute(
            select(messages, requests.c.template_type)
            .join(requests, requests.c.id == messages.c.request_id)
            .where(messages.c.id == message_id, requests.c.supplier_id == supplier_id)
        ).first()
        attached = (
            connection.scalar(select(trusted_templates.c.file_name).where(trusted_templates.c.sha256 == row.attachment))
            if row is not None and row.attachment
            else None
        )  # the blank template is attached when the message is sent, not kept in the stored text
    if row is None:
        return None
    parsed = email.message_from_string(row.content or "", policy=email.policy.default)
    part = parsed.get_body(("plain",)) if isinstance(parsed, EmailMessage) else None
    body = part.get_content() if isinstance(part, EmailMessage) else ""
    files = (
        tuple(str(a.get_filename() or "attachment") for a in parsed.iter_attachments())
        if isinstance(parsed, EmailMessage)
        else ()
    )
    sent = SentMessage(row.kind, row.template_type, as_utc(row.created_at), row.status, row.subject, row.recipients,
                       row.id)  # fmt: skip
    return MessageText(sent, str(parsed.get("From", "")), str(body), (*files, *([attached] if attached else [])))
