"""Initial requests, reminders, escalations, corrections and the outbox, as the CLI and the web ask for them.

Who is written to is decided here, once (see program/outreach.py for the rules). Messages are
recorded in one short transaction, then written to files and, when asked, sent; a failed send
stays pending for the next try. A dry run plans the same messages and records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection

from conflict_minerals.program.campaign import (
    Campaign,
    RequestState,
    check_due,
    mark_overdue,
    overdue_requests,
    overview,
    require_campaign,
    set_due_date,
)
from conflict_minerals.program.correspondence import (
    MessageError,
    Written,
    check_sending,
    send_pending,
    sender_address,
    write_files,
)
from conflict_minerals.program.outreach import (
    Planned,
    plan_corrections,
    plan_reminders,
    plan_requests,
    queue,
    render_letters,
    trusted_cmrt,
)
from conflict_minerals.program.suppliers import SupplierRecord, get_supplier, require_supplier
from conflict_minerals.program.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Outreach:
    """What one call planned, wrote and sent, what it left out and why, and what went wrong while sending."""

    written: tuple[Written, ...]
    sent: int
    problems: tuple[str, ...]
    planned: tuple[Planned, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())
    overdue: int = 0  # requests set to no_response by this call
    template: str | None = None  # the blank template attached to requests and reminders, if any


def send_requests(
    workspace: Workspace, actor: str, year: int | None = None, send: bool = False, dry_run: bool = False
) -> Outreach:
    """The initial request to every supplier in the campaign that has not had one."""
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        planned = plan_requests(connection, campaign)
        template = trusted_cmrt(connection)
    return _run(workspace, actor, campaign, planned, send, dry_run, template=template[1] if template else None)


def send_reminders(
    workspace: Workspace,
    actor: str,
    year: int | None = None,
    send: bool = False,
    dry_run: bool = False,
    today: dt.date | None = None,
    supplier: str | None = None,
) -> Outreach:
    """Set `no_response` where the due date passed, then remind (or escalate) on the settings' schedule;
    for one supplier, remind now if its due date has passed."""
    today = today or dt.date.today()
    with workspace.read() as connection:
        only = require_supplier(connection, supplier).id if supplier else None
    if dry_run:  # what the run would set, nothing written
        with workspace.read() as connection:
            overdue = len(overdue_requests(connection, require_campaign(connection, year), today, only))
    else:
        with workspace.transaction() as connection:
            campaign = require_campaign(connection, year)
            overdue = len(mark_overdue(connection, actor, campaign, today, only))
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        planned = plan_reminders(workspace, connection, campaign, today, only)
    result = _run(workspace, actor, campaign, planned, send, dry_run)
    return Outreach(result.written, result.sent, result.problems, result.planned, result.skipped, overdue)


def request_corrections(
    workspace: Workspace,
    actor: str,
    year: int | None = None,
    supplier: str | None = None,
    send: bool = False,
    include_warnings: bool = False,
    due: dt.date | None = None,
    dry_run: bool = False,
) -> Outreach:
    """Correction requests for open errors (warnings too, when asked), with a new due date."""
    today = dt.date.today()
    if due is not None and due <= today:
        raise MessageError(f"the new due date {due.isoformat()} is not in the future.", "message.due_past")
    earliest = today + dt.timedelta(days=workspace.settings.campaign.correction_days)
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        if due is not None:
            check_due(campaign.year, due)
        targets = [
            (record, submission, due or max(earliest, current), template)  # never brings a deadline forward
            for record, submission, current, template in _correction_targets(connection, campaign, supplier)
        ]
        planned, skipped = plan_corrections(connection, campaign, targets, include_warnings)
    result = _run(workspace, actor, campaign, planned, send, dry_run)
    return Outreach(result.written, result.sent, result.problems, result.planned, (*skipped, *result.skipped))


_OPEN = (RequestState.RECEIVED, RequestState.UNDER_REVIEW, RequestState.CORRECTION_REQUESTED)


def _correction_targets(
    connection: Connection, campaign: Campaign, supplier: str | None
) -> list[tuple[SupplierRecord, int, dt.date, str]]:
    """(supplier, its current submission, its current due date, the template) for each file to write about."""
    views = overview(connection, campaign, None)
    if supplier is not None:
        record = require_supplier(connection, supplier)
        mine = [v for v in views if v.supplier_id == record.id and v.current_submission_id and v.state in _OPEN]
        if not mine:  # an accepted or rejected file is decided: a correction would undo the decision unseen
            asked = " or ".join(campaign.templates)
            raise MessageError(
                f"{record.name} has no {asked} under review to correct in the {campaign.year} campaign.",
                "message.no_cmrt",
            )
        return [(record, v.current_submission_id, v.due_date, v.template) for v in mine if v.current_submission_id]
    return [
        (get_supplier(connection, v.supplier_id), v.current_submission_id, v.due_date, v.template)
        for v in views
        if v.state is RequestState.UNDER_REVIEW and v.current_submission_id and v.open_findings
    ]


def extend_due_date(
    workspace: Workspace, actor: str, supplier: str, until: dt.date, reason: str, year: int | None = None
) -> tuple[Campaign, SupplierRecord]:
    """Give one supplier more time: its own due date, audited with the reason; reminders start again from it."""
    if until < dt.date.today():
        raise MessageError(f"the new due date {until.isoformat()} is in the past.", "message.due_past")
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, year)
        record = require_supplier(connection, supplier)
        set_due_date(connection, actor, campaign, record.id, until, "request.extended", reason)
    return campaign, record


def send_outbox(workspace: Workspace, actor: str, resend_interrupted: bool = False) -> Outreach:
    """Send every message still pending (after a failed send); interrupted sends only when asked."""
    sent, problems = send_pending(workspace, actor, resend_interrupted)
    return Outreach((), sent, tuple(problems))


def _run(
    workspace: Workspace,
    actor: str,
    campaign: Campaign,
    planned: list[Planned],
    send: bool,
    dry_run: bool,
    template: str | None = None,
) -> Outreach:
    with workspace.read() as connection:
        ready = render_letters(workspace, connection, campaign, planned)  # a broken translation fails a dry run too
    skipped = tuple(
        f"{r.item.supplier}: no contact e-mail, no {r.item.kind} written; add one (suppliers add/import), then run "
        "this again"
        for r in ready
        if not r.supplier.emails
    )
    ready = [r for r in ready if r.supplier.emails]
    planned = [r.item for r in ready]
    if dry_run or not planned:
        return Outreach((), 0, (), tuple(planned), skipped, template=template)
    sender_address(workspace)  # refuse before anything is recorded
    if send:
        check_sending(workspace)
    with workspace.transaction() as connection:
        written = [queue(workspace, connection, actor, campaign, r, send) for r in ready]
    write_files(workspace, written)
    if not send:
        return Outreach(tuple(written), 0, (), tuple(planned), skipped, template=template)
    sent, problems = send_pending(workspace, actor)
    return Outreach(tuple(written), sent, tuple(problems), tuple(planned), skipped, template=template)
