"""The campaign dashboard: requests by state, response rate, facilities by metal and status, open items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from conflict_minerals.model import Metal
from conflict_minerals.program.campaign import (
    RequestState,
    count_requests,
    open_error_requests,
    overdue_condition,
    overview,
    require_campaign,
)
from conflict_minerals.program.schema import campaigns, requests, submissions
from conflict_minerals.program.status import status_totals
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.reference.status import StatusBucket
from conflict_minerals.report.build import Gathered
from conflict_minerals.service.consolidated import lists_in_use, recent_gather
from conflict_minerals.service.kept import Kept, workspace_key

STATES = tuple(state.value for state in RequestState)
SHOWN = 25  # suppliers listed under each open item; the total says how many there are
BUCKETS = tuple(bucket.value for bucket in StatusBucket)


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A supplier that needs someone's attention, and why."""

    supplier_id: int
    supplier: str
    template: str
    what: str


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows for one campaign; the totals are those of `status --json`."""

    status: dict[str, Any]  # the head of `status --json`: campaign, due date, templates, totals, by_template
    facilities: dict[str, dict[str, int]]  # metal -> status bucket -> facilities
    as_of: dt.date
    status_lists: tuple[str, ...]
    unmatched_rows: int
    open_errors: tuple[OpenItem, ...]  # the first SHOWN of each list; the totals below count them all
    escalations: tuple[OpenItem, ...]
    overdue: tuple[OpenItem, ...]
    totals: dict[str, int] = field(default_factory=dict)  # open_errors, escalations, overdue
    facilities_current: bool = True  # False: the facility figures are from before the latest changes


def _facility_counts(gathered: Gathered) -> dict[str, dict[str, int]]:
    """Facilities by metal and status bucket."""
    facilities = {metal.value: dict.fromkeys(BUCKETS, 0) for metal in Metal}
    for facility in gathered.run.consolidation.facilities:
        if facility.metal is not None:
            facilities[facility.metal.value][facility.status.value] += 1
    return facilities


_DASHBOARDS: Kept[Dashboard] = Kept()
_SERIES: Kept[dict[str, tuple[ResponsePoint, ...]]] = Kept()


def dashboard(workspace: Workspace, year: int | None = None, today: dt.date | None = None) -> Dashboard:
    """The dashboard of a campaign (default: the latest open one), facility statuses as of the newest list.

    Kept while nothing changes: a team reloading it costs one read of the change counter. After a
    change, the facility figures may come from the previous consolidation (and say so) while the
    current one is computed in the background; such a dashboard is not kept.
    """
    today = today or dt.date.today()
    key = (workspace_key(workspace), year, today)
    return _DASHBOARDS.get(
        key, workspace.change_count(), lambda: _dashboard(workspace, year, today), lambda d: d.facilities_current
    )


def _dashboard(workspace: Workspace, year: int | None, today: dt.date) -> Dashboard:
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        status = status_totals(connection, campaign)  # grouped counts: no line per supplier is built
        conditions = {
            "open_errors": open_error_requests(),
            "escalations": requests.c.escalated_at.is_not(None),
            "overdue": overdue_condition(campaign, today),
        }
        shown = {name: overview(connection, campaign, None, where, SHOWN) for name, where in conditions.items()}
        totals = {name: count_requests(connection, campaign, where) for name, where in conditions.items()}
    gathered, current = recent_gather(workspace, campaign.year, today=today)

    def item(view: Any, what: str) -> OpenItem:
        return OpenItem(view.supplier_id, view.supplier, view.template, what)

    return Dashboard(
        status,
        _facility_counts(gathered),
        gathered.as_of,
        lists_in_use(gathered),
        len(gathered.run.consolidation.unmatched),
        tuple(item(v, f"{v.open_findings.get('error', 0)} open error(s)") for v in shown["open_errors"]),
        tuple(item(v, f"escalated {v.escalated_at:%Y-%m-%d}") for v in shown["escalations"] if v.escalated_at),
        tuple(item(v, f"due {v.due_date.isoformat()}") for v in shown["overdue"]),
        totals,
        current,
    )


@dataclass(frozen=True, slots=True)
class ResponsePoint:
    """The requests of a template responded to (a first file received) by the end of a week."""

    week: dt.date  # the week's first day, counted from the campaign's start
    responded: int
    surveyed: int


def response_series(
    workspace: Workspace, year: int | None = None, today: dt.date | None = None
) -> dict[str, tuple[ResponsePoint, ...]]:
    """Per template, requests responded to by week since the campaign started (at most the last 52 weeks)."""
    today = today or dt.date.today()
    key = (workspace_key(workspace), year, today)
    return _SERIES.get(key, workspace.change_count(), lambda: _response_series(workspace, year, today))


def _response_series(workspace: Workspace, year: int | None, today: dt.date) -> dict[str, tuple[ResponsePoint, ...]]:
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        started = connection.execute(select(campaigns.c.created_at).where(campaigns.c.id == campaign.id)).scalar_one()
        first = (
            select(submissions.c.supplier_id, submissions.c.template_type, func.min(submissions.c.received_at))
            .where(submissions.c.campaign_id == campaign.id, submissions.c.supplier_id.is_not(None))
            .group_by(submissions.c.supplier_id, submissions.c.template_type)
        )
        received = {(s, t or "CMRT"): at for s, t, at in connection.execute(first)}
        asked = connection.execute(
            select(requests.c.supplier_id, requests.c.template_type).where(requests.c.campaign_id == campaign.id)
        ).all()
    start = started.date()
    weeks = max(0, (today - start).days) // 7 + 1
    ends = [start + dt.timedelta(days=7 * (i + 1)) for i in range(max(0, weeks - 52), weeks)]
    series: dict[str, tuple[ResponsePoint, ...]] = {}
    for template in campaign.templates:
        days = [received[(s, t)].date() for s, t in asked if t == template and (s, t) in received]
        surveyed = sum(1 for _, t in asked if t == template)
        series[template] = tuple(
            ResponsePoint(end - dt.timedelta(days=7), sum(1 for d in days if d < end), surveyed) for end in ends
        )
    return series
