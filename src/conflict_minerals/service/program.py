"""The program as the CLI and the web drive it: campaigns, review, decisions, status and the audit trail.

Each function takes the acting person, reads in a read transaction and writes in one short
write transaction, and returns typed results; what to show and who is concerned is decided
here, never in a handler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program import campaign as campaigns
from conflict_minerals.program import decisions
from conflict_minerals.program.audit import Event, EventFilter, count_events, list_events
from conflict_minerals.program.decisions import StoredFinding
from conflict_minerals.program.refremove import ImportedItem
from conflict_minerals.program.reprocess import Rederived, recheck, reprocess
from conflict_minerals.program.status import status_report, unassigned_files
from conflict_minerals.program.suppliers import ImportReport, SupplierError, SupplierRecord, require_supplier
from conflict_minerals.program.workspace import Workspace

DECISIONS = ("accept", "reject", "escalate", "not-applicable")


def default_due_date(workspace: Workspace, year: int) -> dt.date:
    """The response due date of a campaign by default: the settings' month and day, the year after."""
    month, day = (int(part) for part in workspace.settings.campaign.due_month_day.split("-"))
    return dt.date(year + 1, month, day)


def start_campaign(
    workspace: Workspace,
    actor: str,
    year: int,
    due: dt.date | None = None,
    product_level: bool | None = None,
    templates: str | None = None,
) -> tuple[campaigns.Campaign, int]:
    """Start (or extend) a year's campaign, asking for `templates` ("CMRT,EMRT"; default the CMRT, or what the
    campaign already asks); return it and the number of new requests."""
    level = workspace.settings.campaign.require_product_level if product_level is None else product_level
    asked = campaigns.parse_templates(templates)
    with workspace.transaction() as connection:
        due = due or default_due_date(workspace, year)
        return campaigns.start_campaign(connection, actor, year, due, level, asked)


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """A campaign as `campaign list` shows it: its year, due date, state and response figures."""

    campaign: campaigns.Campaign
    default: bool  # the campaign commands use when none is given
    suppliers: int
    responded: int
    response_rate: float

    def as_json(self) -> dict[str, Any]:
        """The documented `campaign list --json` item."""
        c = self.campaign
        return {
            "year": c.year,
            "due_date": c.due_date.isoformat(),
            "state": "closed" if c.closed else "open",
            "closed_at": c.closed_at.isoformat() if c.closed_at else None,
            "default": self.default,
            "suppliers": self.suppliers,
            "responded": self.responded,
            "response_rate": round(self.response_rate, 4),
        }


def list_campaigns(workspace: Workspace) -> list[CampaignSummary]:
    """Every campaign, newest first, with its response figures and which one is the default."""
    with workspace.read() as connection:
        default = campaigns.find_campaign(connection)
        found = []
        for campaign in campaigns.list_campaigns(connection):
            responded, surveyed, rate = campaigns.rate_of(campaigns.state_counts(connection, campaign))
            is_default = default is not None and default.id == campaign.id
            found.append(CampaignSummary(campaign, is_default, surveyed, responded, rate))
    return found


def close_campaign(workspace: Workspace, actor: str, year: int, reopen: bool = False) -> campaigns.Campaign:
    """Close (or reopen) a year's campaign; audited."""
    with workspace.transaction() as connection:
        return campaigns.close_campaign(connection, actor, year, reopen)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A supplier's current CMRT with the findings a reviewer should see."""

    supplier: str
    file: str | None
    version: int | None
    state: str
    findings: tuple[StoredFinding, ...]
    template: str = "CMRT"

    @property
    def open_errors(self) -> int:
        """How many error findings are not waived."""
        return sum(1 for f in self.findings if f.severity == "error" and not f.waived)

    def as_json(self) -> dict[str, Any]:
        """The documented `review --json` item."""
        return {
            "supplier": self.supplier,
            "template": self.template,
            "file": self.file,
            "version": self.version,
            "state": self.state,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "message": f.message,
                    "sheet": f.sheet,
                    "cell": f.cell,
                    "waived": f.waived,
                    "waiver_reason": f.waiver_reason,
                }
                for f in self.findings
            ],
        }


def review_items(
    workspace: Workspace, year: int | None = None, supplier: str | None = None, show_all: bool = False
) -> list[ReviewItem]:
    """Current CMRTs and their open warnings and errors (with `show_all`: waived and info findings too)."""
    with workspace.read() as connection:
        campaign = campaigns.require_campaign(connection, year)
        wanted = require_supplier(connection, supplier).id if supplier else None
        items = []
        for view in campaigns.overview(connection, campaign, None):
            if view.current_submission_id is None or (wanted is not None and view.supplier_id != wanted):
                continue
            found = decisions.submission_findings(connection, view.current_submission_id, include_waived=show_all)
            shown = tuple(f for f in found if show_all or f.severity != "info")
            item = ReviewItem(
                view.supplier, view.current_file, view.current_version, view.state.value, shown, view.template
            )
            items.append(item)
    return items


def recheck_current(
    workspace: Workspace, actor: str, year: int | None = None, supplier: str | None = None
) -> list[Rederived]:
    """Review the current CMRTs again from their stored rows (after new reference data)."""
    with workspace.read() as connection:
        campaign = campaigns.require_campaign(connection, year)
        wanted = require_supplier(connection, supplier).id if supplier else None
    return recheck(workspace, campaign, wanted, actor)


def decide(
    workspace: Workspace,
    actor: str,
    decision: str,
    supplier: str,
    reason: str | None = None,
    year: int | None = None,
    despite_findings: bool = False,
    version: int | None = None,
    template: str = "CMRT",
) -> SupplierRecord:
    """Take a decision on a supplier's CMRT (or other template): accept, reject, escalate or not-applicable."""
    reason = (reason or "").strip() or None
    if decision != "accept" and reason is None:
        raise decisions.DecisionError(f"a {decision} decision needs a reason.", "decision.reason_needed")
    with workspace.transaction() as connection:
        campaign = campaigns.require_campaign(connection, year)
        target = require_supplier(connection, supplier)
        if decision == "accept":
            decisions.accept(connection, actor, campaign, target, reason, despite_findings, version, template)
        elif decision == "reject":
            decisions.reject(connection, actor, campaign, target, reason or "", template)
        elif decision == "escalate":
            decisions.escalate(connection, actor, campaign, target, reason or "", template)
        elif decision == "not-applicable":
            decisions.not_applicable(connection, actor, campaign, target, reason or "", template)
        else:
            raise ConflictMineralsError(f"there is no decision '{decision}'.", "decision.unknown")
    return target


def waive(
    workspace: Workspace,
    actor: str,
    supplier: str,
    code: str,
    cell: str | None,
    reason: str,
    year: int | None = None,
    template: str = "CMRT",
) -> int:
    """Waive open findings of a supplier's current CMRT (or other template) by code (and cell), with a reason."""
    if not reason.strip():
        raise decisions.DecisionError("a waiver needs a reason.", "decision.reason_needed")
    with workspace.transaction() as connection:
        campaign = campaigns.require_campaign(connection, year)
        target = require_supplier(connection, supplier)
        return decisions.waive(connection, actor, campaign, target, code, cell, reason, template)


def assign(workspace: Workspace, actor: str, submission: int, supplier: str, year: int | None = None) -> None:
    """File an unassigned (or wrongly linked) submission under a supplier."""
    with workspace.transaction() as connection:
        campaign = campaigns.require_campaign(connection, year)
        decisions.assign(connection, actor, campaign, submission, require_supplier(connection, supplier))


def discard(workspace: Workspace, actor: str, submission: int, reason: str, year: int | None = None) -> str:
    """Set aside an unassigned or unreadable file (kept, audited); return its file name."""
    with workspace.transaction() as connection:
        campaign = campaigns.require_campaign(connection, year)
        return decisions.discard(connection, actor, campaign, submission, reason)


def unassigned(workspace: Workspace, year: int | None = None) -> tuple[int, list[dict[str, Any]]]:
    """The campaign's year and its files filed under no supplier (without a line per supplier of `status`)."""
    with workspace.read() as connection:
        campaign = campaigns.require_campaign(connection, year)
        return campaign.year, unassigned_files(connection, campaign)


def campaign_status(workspace: Workspace, year: int | None = None) -> dict[str, Any]:
    """The documented `status --json` object."""
    with workspace.read() as connection:
        return status_report(connection, campaigns.require_campaign(connection, year))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which events to show: a supplier (by name or alias), a campaign, kinds, an actor, dates, the newest `limit`."""

    supplier: str | None = None
    campaign_year: int | None = None
    kinds: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    actor: str | None = None
    limit: int | None = None


def audit_trail(workspace: Workspace, query: AuditQuery = AuditQuery()) -> list[Event]:
    """The audit trail, oldest first, as the query selects it."""
    return audit_page(workspace, query)[0]


def audit_page(workspace: Workspace, query: AuditQuery = AuditQuery()) -> tuple[list[Event], int]:
    """The newest `limit` events the query selects (oldest first) and how many it selects in all."""
    with workspace.read() as connection:
        supplier_id = require_supplier(connection, query.supplier).id if query.supplier else None
        wanted = EventFilter(
            supplier_id, query.campaign_year, query.kinds, query.since, query.limit, query.actor, query.until
        )
        found = list_events(connection, wanted)
        return found, (count_events(connection, wanted) if query.limit is not None else len(found))


def add_supplier(workspace: Workspace, actor: str, name: str, **details: Any) -> int:
    """Add one supplier (unique_id, unique_id_authority, contact_name, contact_email, tier, aliases)."""
    from conflict_minerals.program.suppliers import add_supplier as add

    with workspace.transaction() as connection:
        return add(connection, actor, name, **details)


def import_suppliers(workspace: Workspace, actor: str, path: Path) -> ImportReport:
    """Import suppliers from a CSV or XLSX table (read before the write transaction starts)."""
    from conflict_minerals.cmrt.tables import read_table
    from conflict_minerals.program.suppliers import import_suppliers as import_rows

    _, rows = read_table(path)
    with workspace.transaction() as connection:
        return import_rows(connection, actor, rows, path.name)


def set_supplier_active(workspace: Workspace, actor: str, name: str, active: bool, reason: str) -> SupplierRecord:
    """Survey a supplier again, or stop surveying it from the next campaign on (with a reason)."""
    from conflict_minerals.program.suppliers import set_active

    if not reason.strip():
        raise SupplierError("changing whether a supplier is surveyed needs a reason.", "decision.reason_needed")
    with workspace.transaction() as connection:
        supplier = require_supplier(connection, name)
        set_active(connection, actor, supplier, active, reason)
    return supplier


def all_suppliers(workspace: Workspace) -> list[SupplierRecord]:
    """Every supplier with aliases and contacts, by name."""
    from conflict_minerals.program.suppliers import list_suppliers

    with workspace.read() as connection:
        return list_suppliers(connection)


def reprocess_stored(workspace: Workspace, actor: str, year: int | None = None) -> list[Rederived]:
    """Read the stored originals again (all, or one campaign's) with this reader and the current reference."""
    from sqlalchemy import select

    from conflict_minerals.program.schema import submissions

    ids = None
    if year is not None:
        with workspace.read() as connection:
            campaign = campaigns.require_campaign(connection, year)
            query = select(submissions.c.id).where(submissions.c.campaign_id == campaign.id)
            ids = [row.id for row in connection.execute(query)]
    return reprocess(workspace, ids, actor)


def imported_reference(workspace: Workspace) -> list[ImportedItem]:
    """The reference data imported into the workspace, numbered for `refdata remove`."""
    from conflict_minerals.program.refremove import imported_items

    with workspace.read() as connection:
        return imported_items(connection)


def remove_reference(workspace: Workspace, actor: str, kind: str, item_id: int, reason: str) -> ImportedItem:
    """Remove a wrong reference import (audited); stored report runs keep what they used."""
    from conflict_minerals.program.refremove import remove_item

    with workspace.transaction() as connection:
        return remove_item(connection, actor, kind, item_id, reason)
