"""Decisions on a supplier's CMRT: accept, reject, escalate, waive a finding, not applicable, assign."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import (
    Campaign,
    RequestState,
    ensure_request,
    make_current,
    next_version,
    request_of,
    set_state,
)
from conflict_minerals.program.schema import findings, requests, submissions
from conflict_minerals.program.suppliers import SupplierRecord


class DecisionError(ConflictMineralsError):
    """A decision that cannot be taken as asked."""

    default_code = "decision.invalid"


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding as stored for a submission."""

    id: int
    code: str
    severity: str
    message: str
    sheet: str | None
    cell: str | None
    waived: bool
    waiver_reason: str | None


def current_submission(
    connection: Connection, campaign: Campaign, supplier: SupplierRecord, template: str = "CMRT"
) -> int | None:
    """Return the ID of a supplier's current submission of a template in a campaign."""
    query = select(requests.c.current_submission_id).where(request_of(campaign, supplier.id, template))
    return connection.execute(query).scalar()


def submission_findings(connection: Connection, submission_id: int, include_waived: bool = True) -> list[StoredFinding]:
    """Return the findings of a submission, errors first."""
    query = select(findings).where(findings.c.submission_id == submission_id)
    if not include_waived:
        query = query.where(findings.c.waived.is_(False))
    rows = connection.execute(query.order_by(findings.c.id)).all()
    order = {"error": 0, "warning": 1, "info": 2}
    stored = [
        StoredFinding(r.id, r.code, r.severity, r.message, r.sheet, r.cell, r.waived, r.waiver_reason) for r in rows
    ]
    return sorted(stored, key=lambda f: order.get(f.severity, 3))


def _require_current(connection: Connection, campaign: Campaign, supplier: SupplierRecord, template: str) -> int:
    submission = current_submission(connection, campaign, supplier, template)
    if submission is None:
        raise DecisionError(
            f"{supplier.name} has no {template} in the {campaign.year} campaign yet.",
            "decision.no_cmrt",
            supplier=supplier.name,
        )
    return submission


def accept(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    reason: str | None,
    despite_findings: bool = False,
    version: int | None = None,
    template: str = "CMRT",
) -> None:
    """Accept the supplier's current CMRT; open error findings must be waived first, or accepted with a reason.

    With `version`, accept only that version: a newer one that arrived meanwhile is not accepted unseen.
    """
    # the request row locked until commit: an ingest cannot make another version current meanwhile
    connection.execute(select(requests.c.id).where(request_of(campaign, supplier.id, template)).with_for_update())
    submission = _require_current(connection, campaign, supplier, template)
    current = connection.execute(select(submissions.c.version).where(submissions.c.id == submission)).scalar_one()
    if version is not None and version != current:
        seen = f"not {version}" if version else "which arrived after the page was opened"
        raise DecisionError(
            f"{supplier.name}'s current {template} is version {current}, {seen}; review it before accepting.",
            "decision.version_changed",
            current=current,
            asked=version,
        )
    errors = [f for f in submission_findings(connection, submission, include_waived=False) if f.severity == "error"]
    if errors and not despite_findings:
        codes = ", ".join(sorted({f.code for f in errors}))
        raise DecisionError(
            f"{supplier.name}'s {template} has {len(errors)} open error finding(s) ({codes})",
            "decision.open_errors",
            codes=codes,
        )
    if errors and not reason:
        raise DecisionError(
            "accepting despite open errors needs a reason for the audit trail.", "decision.reason_needed"
        )
    set_state(
        connection,
        actor,
        campaign,
        supplier.id,
        RequestState.ACCEPTED,
        "decision.accepted",
        reason,
        {"submission_id": submission, "version": current, "open_errors": len(errors)},
        template,
    )


def reject(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    reason: str,
    template: str = "CMRT",
) -> None:
    """Reject the supplier's current file of a template (it is then left out of the report)."""
    submission = _require_current(connection, campaign, supplier, template)
    set_state(
        connection,
        actor,
        campaign,
        supplier.id,
        RequestState.REJECTED,
        "decision.rejected",
        reason,
        {"submission_id": submission},
        template,
    )


def escalate(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    reason: str,
    template: str = "CMRT",
) -> None:
    """Escalate a supplier to management (for example incomplete or unreliable answers).

    It counts as the request's escalation: reminders go on to the last one, and the schedule
    then writes no escalation letter of its own.
    """
    ensure_request(connection, actor, campaign, supplier.id, template)
    connection.execute(  # counted with the reminder schedule's escalations on the dashboard and in `status`
        update(requests)
        .where(request_of(campaign, supplier.id, template), requests.c.escalated_at.is_(None))
        .values(escalated_at=now())
    )
    record(
        connection,
        actor,
        "decision.escalated",
        {"to": "management", "template": template},
        reason,
        campaign_year=campaign.year,
        supplier_id=supplier.id,
        submission_id=current_submission(connection, campaign, supplier, template),
    )


def not_applicable(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    reason: str,
    template: str = "CMRT",
) -> None:
    """Mark a supplier as not in scope this year for a template (e.g. it supplies nothing with 3TG)."""
    state = RequestState.NOT_APPLICABLE
    set_state(connection, actor, campaign, supplier.id, state, "decision.not_applicable", reason, None, template)


def waive(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier: SupplierRecord,
    code: str,
    cell: str | None,
    reason: str,
    template: str = "CMRT",
) -> int:
    """Waive open findings of the current file of a template by code (and cell); return how many were waived."""
    submission = _require_current(connection, campaign, supplier, template)
    matching = [
        f
        for f in submission_findings(connection, submission, include_waived=False)
        if f.code == code and (cell is None or f.cell == cell)
    ]
    if not matching:
        raise DecisionError(
            f"there is no open finding {code}{' at ' + cell if cell else ''} on {supplier.name}'s current {template}.",
            "decision.no_finding",
        )
    for finding in matching:
        connection.execute(
            update(findings).where(findings.c.id == finding.id).values(waived=True, waiver_reason=reason)
        )
    record(
        connection,
        actor,
        "decision.waived",
        {"code": code, "cell": cell, "count": len(matching)},
        reason,
        campaign_year=campaign.year,
        supplier_id=supplier.id,
        submission_id=submission,
    )
    return len(matching)


def assign(
    connection: Connection, actor: str, campaign: Campaign, submission_id: int, supplier: SupplierRecord
) -> None:
    """Assign an unassigned (or wrongly linked) submission to a supplier; it becomes the current version."""
    row = connection.execute(select(submissions).where(submissions.c.id == submission_id)).first()
    if row is None or row.campaign_id != campaign.id:
        raise DecisionError(
            f"there is no submission {submission_id} in the {campaign.year} campaign.", "decision.unknown_submission"
        )
    if not row.readable:
        raise DecisionError(
            f"submission {submission_id} could not be read; it cannot become a current CMRT.", "decision.unreadable"
        )
    template = row.template_type or "CMRT"
    version = next_version(connection, campaign, supplier.id, template)
    connection.execute(
        update(submissions).where(submissions.c.id == submission_id).values(supplier_id=supplier.id, version=version)
    )
    if row.supplier_id is not None and row.supplier_id != supplier.id:
        _fall_back(connection, actor, campaign, row.supplier_id, submission_id, template)
    detail: dict[str, object] = {"file": row.file_name, "assigned": True}
    make_current(connection, actor, campaign, supplier.id, submission_id, version, detail, template)


def _fall_back(
    connection: Connection, actor: str, campaign: Campaign, supplier_id: int, moved: int, template: str
) -> None:
    """The supplier a file was moved away from points at its latest remaining version, or none, to be reviewed again."""
    remaining = connection.execute(
        select(submissions.c.id)
        .where(
            submissions.c.campaign_id == campaign.id,
            submissions.c.supplier_id == supplier_id,
            submissions.c.readable.is_(True),
            submissions.c.template_type == template,
        )
        .order_by(submissions.c.version.desc())
    ).first()
    state = RequestState.UNDER_REVIEW if remaining else RequestState.REQUESTED
    changed = connection.execute(
        update(requests)
        .where(request_of(campaign, supplier_id, template), requests.c.current_submission_id == moved)
        .values(current_submission_id=remaining.id if remaining else None, state=state.value)
    )
    if changed.rowcount:
        record(
            connection,
            actor,
            "submission.moved_away",
            {"submission_id": moved, "to": state.value},
            campaign_year=campaign.year,
            supplier_id=supplier_id,
        )


def discard(connection: Connection, actor: str, campaign: Campaign, submission_id: int, reason: str) -> str:
    """Set aside an unassigned or unreadable file (the original is kept); audited. Returns its file name."""
    row = connection.execute(select(submissions).where(submissions.c.id == submission_id)).first()
    if row is None or row.campaign_id != campaign.id:
        raise DecisionError(
            f"there is no submission {submission_id} in the {campaign.year} campaign.", "decision.unknown_submission"
        )
    if row.supplier_id is not None:
        raise DecisionError(
            f"submission {submission_id} is filed under a supplier; reject that supplier's CMRT instead.",
            "decision.assigned",
        )
    if row.discarded_at is not None:
        raise DecisionError(f"submission {submission_id} was already discarded.", "decision.discarded")
    if not reason.strip():
        raise DecisionError("setting a file aside needs a reason.", "decision.reason")
    connection.execute(update(submissions).where(submissions.c.id == submission_id).values(discarded_at=now()))
    detail = {"submission_id": submission_id, "file": row.file_name, "readable": row.readable}
    record(connection, actor, "submission.discarded", detail, reason, campaign_year=campaign.year)
    return str(row.file_name)
