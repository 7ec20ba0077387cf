"""Correction requests, reminders and the outbox, as the CLI and the web ask for them.

Who is written to is decided here, once. Messages are recorded in one short transaction,
then written to files and, when asked, sent; a failed send stays pending for the next try.
"""

from __future__ import annotations

from dataclasses import dataclass

from conflict_minerals.program.campaign import RequestState, overview, require_campaign
from conflict_minerals.program.correspondence import (
    Written,
    check_sending,
    queue_correction,
    queue_reminders,
    send_pending,
    write_files,
)
from conflict_minerals.program.suppliers import SupplierRecord, get_supplier, require_supplier
from conflict_minerals.program.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Outreach:
    """Messages recorded by one call, how many were sent, and what went wrong while sending."""

    written: tuple[Written, ...]
    sent: int
    problems: tuple[str, ...]


def correction_targets(workspace: Workspace, year: int | None, supplier: str | None) -> list[SupplierRecord]:
    """Who gets a correction request: the supplier named, else every CMRT under review with open findings."""
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        if supplier is not None:
            return [require_supplier(connection, supplier)]
        return [
            get_supplier(connection, v.supplier_id)
            for v in overview(connection, campaign)
            if v.state is RequestState.UNDER_REVIEW and (v.open_findings.get("error") or v.open_findings.get("warning"))
        ]


def request_corrections(
    workspace: Workspace, actor: str, year: int | None = None, supplier: str | None = None, send: bool = False
) -> Outreach:
    """Record (and write, and optionally send) correction requests."""
    targets = correction_targets(workspace, year, supplier)
    if send:
        check_sending(workspace, targets)
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, year)
        written = [queue_correction(workspace, connection, actor, campaign, target, send) for target in targets]
    return _deliver(workspace, actor, written, send)


def send_reminders(workspace: Workspace, actor: str, year: int | None = None, send: bool = False) -> Outreach:
    """Record (and write, and optionally send) reminders to suppliers that have not answered."""
    if send:
        check_sending(workspace, [])
    with workspace.transaction() as connection:
        written = queue_reminders(workspace, connection, actor, require_campaign(connection, year), send)
    return _deliver(workspace, actor, written, send)


def send_outbox(workspace: Workspace, actor: str, resend_interrupted: bool = False) -> Outreach:
    """Send every message still pending (after a failed send); interrupted sends only when asked."""
    sent, problems = send_pending(workspace, actor, resend_interrupted)
    return Outreach((), sent, tuple(problems))


def _deliver(workspace: Workspace, actor: str, written: list[Written], send: bool) -> Outreach:
    if written:
        write_files(workspace, written)
    if not send:
        return Outreach(tuple(written), 0, ())
    sent, problems = send_pending(workspace, actor)
    return Outreach(tuple(written), sent, tuple(problems))
