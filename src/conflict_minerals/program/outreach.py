"""Who is written to, when, and with what: initial requests, reminders on a schedule, escalation, corrections.

Each kind is planned first (a list of `Planned` messages, which is also what a dry run shows)
and then queued: the letter rendered in the supplier's language, recorded in the outbox, the
request's state and dates moved, and an audit event written, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, select, update

from conflict_minerals.cmrt.layout import version_key
from conflict_minerals.model import TEMPLATE_TITLES
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import (
    OUTSTANDING,
    Campaign,
    RequestState,
    RequestView,
    overview,
    request_of,
    set_due_date,
    set_state,
)
from conflict_minerals.program.correspondence import Draft, Written, record_message, signature
from conflict_minerals.program.decisions import StoredFinding, submission_findings
from conflict_minerals.program.letters import RMI_TEMPLATES_URL, Letter, render_letter
from conflict_minerals.program.schema import messages, requests, submissions, trusted_templates
from conflict_minerals.program.suppliers import SupplierRecord, list_suppliers
from conflict_minerals.program.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Planned:
    """A message the program would write: to whom, which kind, the due date it names, and why."""

    supplier_id: int
    supplier: str
    kind: str
    due: dt.date
    detail: str
    findings: tuple[StoredFinding, ...] = field(default=())
    template: str = "CMRT"  # the template the request is for

    def as_json(self) -> dict[str, object]:
        """The planned message as JSON (what `--dry-run --json` prints)."""
        return {
            "supplier": self.supplier,
            "template": self.template,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "detail": self.detail,
            "findings": [{"code": f.code, "severity": f.severity, "cell": f.cell} for f in self.findings],
        }


# The minerals each template asks about, as a letter names them.
MINERALS_ASKED = {
    "CMRT": "tin, tantalum, tungsten or gold",
    "EMRT": "cobalt, mica, copper, graphite, lithium or nickel",
    "CRT": "cobalt",
    "AMRT": "the minerals we asked you about",
}


def trusted_cmrt(connection: Connection, template_type: str = "CMRT") -> tuple[str, str, str] | None:
    """The newest blank template of a type imported as trusted: (sha256, file name, version), or None."""
    rows = connection.execute(
        select(trusted_templates.c.sha256, trusted_templates.c.file_name, trusted_templates.c.version).where(
            trusted_templates.c.template_type == template_type
        )
    ).all()
    if not rows:
        return None
    newest = max(rows, key=lambda r: version_key(r.version))
    return newest.sha256, newest.file_name, newest.version


def plan_requests(connection: Connection, campaign: Campaign) -> list[Planned]:
    """Initial requests: every supplier still waiting that was never sent one."""
    asked = _asked(connection, campaign, ("request",))
    return [
        Planned(
            v.supplier_id, v.supplier, "request", v.due_date, f"initial request ({v.template})", template=v.template
        )
        for v in overview(connection, campaign, None)
        if v.state in OUTSTANDING and (v.supplier_id, v.template) not in asked
    ]


def _asked(
    connection: Connection, campaign: Campaign, kinds: tuple[str, ...] = ("request", "reminder")
) -> set[tuple[int, str]]:
    """(supplier, template) of the requests sent a message of these kinds (a reminder presumes a request)."""
    return {
        (row.supplier_id, row.template_type)
        for row in connection.execute(
            select(requests.c.supplier_id, requests.c.template_type)
            .join(messages, messages.c.request_id == requests.c.id)
            .where(and_(requests.c.campaign_id == campaign.id, messages.c.kind.in_(kinds)))
        )
    }


def plan_reminders(
    workspace: Workspace, connection: Connection, campaign: Campaign, today: dt.date, supplier_id: int | None = None
) -> list[Planned]:
    """Reminders after the due date and a grace period, spaced by the interval; then one escalation.

    Only suppliers that were sent the request are reminded. For one supplier (a reviewer asking now),
    the reminder goes once the due date has passed, without waiting out the grace period or the interval.
    """
    settings = workspace.settings.campaign
    spaced_until = today - dt.timedelta(days=settings.reminder_interval_days)
    asked = _asked(connection, campaign)
    where = None if supplier_id is None else requests.c.supplier_id == supplier_id
    planned = []
    for view in overview(connection, campaign, None, where):
        if view.state not in OUTSTANDING or (view.supplier_id, view.template) not in asked:
            continue  # nobody is reminded of a request never sent: `campaign start` writes it first
        if view.escalated_at is not None and view.reminders_sent >= settings.max_reminders:
            continue  # escalated (by the schedule or a reviewer) after the last reminder: left to people
        if supplier_id is not None:
            if today <= view.due_date:
                continue  # the letter says the template was due: not before it was
        elif today < view.due_date + dt.timedelta(days=settings.grace_days) or not _quiet(view, spaced_until):
            continue
        if view.reminders_sent >= settings.max_reminders:
            detail = f"escalation after {view.reminders_sent} reminder(s)"
            planned.append(
                Planned(view.supplier_id, view.supplier, "escalation", view.due_date, detail, (), view.template)
            )
        else:
            detail = f"reminder {view.reminders_sent + 1} of {settings.max_reminders}"
            planned.append(
                Planned(view.supplier_id, view.supplier, "reminder", view.due_date, detail, (), view.template)
            )
    return planned


def _quiet(view: RequestView, spaced_until: dt.date) -> bool:
    """The last message (the request itself included) is older than the interval."""
    return view.last_contact_at is None or view.last_contact_at.date() <= spaced_until


def plan_corrections(
    connection: Connection,
    campaign: Campaign,
    targets: list[tuple[SupplierRecord, int, dt.date, str]],
    include_warnings: bool,
) -> tuple[list[Planned], list[str]]:
    """Correction requests for the open errors (and warnings, when asked) of each (supplier, submission, due,
    template)."""
    wanted = {"error", "warning"} if include_warnings else {"error"}
    planned, skipped = [], []
    for supplier, submission, due, template in targets:
        found = submission_findings(connection, submission, include_waived=False)
        chosen = tuple(f for f in found if f.severity in wanted)
        if not chosen:
            warnings = sum(1 for f in found if f.severity == "warning")
            hint = ""
            if warnings and not include_warnings:
                hint = f" ({warnings} warning(s); add --warnings to include them)"
            skipped.append(f"{supplier.name}: nothing to correct in its {template}{hint}")
            continue
        errors = sum(1 for f in chosen if f.severity == "error")
        detail = f"{errors} error(s)" + (f", {len(chosen) - errors} warning(s)" if include_warnings else "")
        detail = detail if template == "CMRT" else f"{template}: {detail}"
        planned.append(Planned(supplier.id, supplier.name, "correction", due, detail, chosen, template))
    return planned, skipped


@dataclass(frozen=True, slots=True)
class ReadyLetter:
    """A planned message with its supplier and rendered letter, ready to record."""

    item: Planned
    supplier: SupplierRecord
    letter: Letter
    template: tuple[str, str, str] | None  # (sha256, file name, version) of the blank template attached


def render_letters(
    workspace: Workspace, connection: Connection, campaign: Campaign, items: list[Planned]
) -> list[ReadyLetter]:
    """Render every planned letter (nothing recorded): suppliers and the template read once for all."""
    wanted = {item.supplier_id for item in items}
    suppliers = {s.id: s for s in list_suppliers(connection) if s.id in wanted}
    blanks = {kind: trusted_cmrt(connection, kind) for kind in {item.template for item in items}}
    sender = signature(workspace)
    prepared = []
    for item in items:
        supplier = suppliers[item.supplier_id]
        attached = blanks[item.template] if item.kind in ("request", "reminder") else None
        context: dict[str, object] = {
            "supplier": supplier.name,
            "year": campaign.year,
            "due": item.due,
            "sender": sender,
            "attached": attached is not None,
            "template": f"{attached[1]}, {item.template} {attached[2]}" if attached else "",
            "template_type": item.template,
            "template_title": TEMPLATE_TITLES[item.template],
            "minerals": MINERALS_ASKED[item.template],
            "download_url": RMI_TEMPLATES_URL,
        }
        context |= _kind_context(workspace, connection, campaign, item)
        language = supplier.language or workspace.settings.email.language or None
        letter = render_letter(item.kind, language, workspace.root, context)
        prepared.append(ReadyLetter(item, supplier, letter, attached))
    return prepared


def queue(
    workspace: Workspace, connection: Connection, actor: str, campaign: Campaign, ready: ReadyLetter, send: bool
) -> Written:
    """Write one prepared message into the outbox and move the request on, audited."""
    item = ready.item
    cc = (workspace.settings.campaign.escalate_to,) if item.kind == "escalation" else ()
    attachment = ready.template[0] if ready.template else None
    draft = Draft(
        ready.supplier,
        item.kind,
        ready.letter.subject,
        ready.letter.body,
        tuple(c for c in cc if c),
        attachment,
        item.template,
    )
    written = record_message(workspace, connection, campaign, draft, send)
    detail: dict[str, object] = {
        "message": written.path.name,
        "sent_via": written.sent_via,
        "language": ready.letter.language,
        "template": item.template,
    }
    _move_request(connection, actor, campaign, item, detail)
    return written


def _kind_context(workspace: Workspace, connection: Connection, campaign: Campaign, item: Planned) -> dict[str, object]:
    if item.kind == "correction":
        file_name = connection.execute(
            select(submissions.c.file_name)
            .join(requests, requests.c.current_submission_id == submissions.c.id)
            .where(request_of(campaign, item.supplier_id, item.template))
        ).scalar()
        findings = [
            {
                "severity": f.severity,
                "where": f"sheet '{f.sheet}', cell {f.cell}" if f.cell else f"sheet '{f.sheet}'",
                "message": f.message,
                "code": f.code,
            }
            for f in item.findings
        ]
        return {"file": file_name or "", "findings": findings}
    reminders = connection.execute(
        select(requests.c.reminders_sent).where(request_of(campaign, item.supplier_id, item.template))
    ).scalar_one()
    return {"number": reminders + 1, "reminders": reminders, "escalate_to": workspace.settings.campaign.escalate_to}


def _move_request(
    connection: Connection, actor: str, campaign: Campaign, item: Planned, detail: dict[str, object]
) -> None:
    where = request_of(campaign, item.supplier_id, item.template)
    if item.kind == "correction":
        set_due_date(
            connection, actor, campaign, item.supplier_id, item.due, "request.due_changed", "corrections", item.template
        )
        set_state(
            connection,
            actor,
            campaign,
            item.supplier_id,
            RequestState.CORRECTION_REQUESTED,
            "correction.requested",
            None,
            {"findings": len(item.findings), "due": item.due.isoformat(), **detail},
            item.template,
        )
        return
    if item.kind == "reminder":
        connection.execute(update(requests).where(where).values(reminders_sent=requests.c.reminders_sent + 1))
    elif item.kind == "escalation":
        connection.execute(update(requests).where(where).values(escalated_at=now()))
    kind = {"request": "request.sent", "reminder": "reminder.sent", "escalation": "request.escalated"}[item.kind]
    record(
        connection,
        actor,
        kind,
        {**detail, "due": item.due.isoformat()},
        campaign_year=campaign.year,
        supplier_id=item.supplier_id,
    )
