"""The yearly survey: a campaign per reporting year, a request per supplier, and its state."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record, record_many
from conflict_minerals.program.schema import (
    bulk_insert,
    campaigns,
    findings,
    inserted_id,
    requests,
    submissions,
    suppliers,
)


class CampaignError(ConflictMineralsError):
    """A campaign operation that cannot be done as asked."""


class RequestState(StrEnum):
    """Where a supplier's request stands."""

    REQUESTED = "requested"
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    CORRECTION_REQUESTED = "correction_requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NOT_APPLICABLE = "not_applicable"
    NO_RESPONSE = "no_response"


RESPONDED = frozenset(
    {
        RequestState.RECEIVED,
        RequestState.UNDER_REVIEW,
        RequestState.CORRECTION_REQUESTED,
        RequestState.ACCEPTED,
        RequestState.REJECTED,
        RequestState.NOT_APPLICABLE,
    }
)
OUTSTANDING = frozenset({RequestState.REQUESTED, RequestState.NO_RESPONSE})
TEMPLATE_TYPES = ("CMRT", "EMRT", "CRT", "AMRT")  # what a campaign can ask suppliers for


@dataclass(frozen=True, slots=True)
class Campaign:
    """One reporting year's survey."""

    id: int
    year: int
    due_date: dt.date
    require_product_level: bool
    closed_at: dt.datetime | None = None
    templates: tuple[str, ...] = ("CMRT",)  # the templates asked of every supplier, the CMRT first when asked

    @property
    def closed(self) -> bool:
        """Tell whether the campaign was closed (kept and reported on, no longer the default)."""
        return self.closed_at is not None


@dataclass(frozen=True, slots=True)
class RequestView:
    """A supplier's request with what the status overview shows."""

    id: int
    supplier_id: int
    supplier: str
    state: RequestState
    requested_at: dt.datetime
    last_contact_at: dt.datetime | None
    reminders_sent: int
    current_submission_id: int | None
    current_version: int | None
    current_file: str | None
    open_findings: dict[str, int]
    due_date: dt.date  # this supplier's: an extension or a correction's new date, else the campaign's
    escalated_at: dt.datetime | None = None
    template: str = "CMRT"
    template_version: str | None = None  # the revision of the current version's workbook


def parse_templates(text: str | None) -> tuple[str, ...]:
    """The templates a campaign asks for, from "CMRT,EMRT" (any case, any order; the CMRT first)."""
    given = [part.strip().upper() for part in (text or "CMRT").replace(" ", ",").split(",") if part.strip()]
    unknown = [name for name in given if name not in TEMPLATE_TYPES]
    if unknown or not given:
        raise CampaignError(
            f"unknown template {', '.join(unknown) or '(none)'}; a campaign asks for {', '.join(TEMPLATE_TYPES)}.",
            "campaign.templates",
        )
    return tuple(name for name in TEMPLATE_TYPES if name in given)


def start_campaign(
    connection: Connection,
    actor: str,
    year: int,
    due: dt.date,
    require_product_level: bool = False,
    templates: tuple[str, ...] = ("CMRT",),
) -> tuple[Campaign, int]:
    """Start the campaign of a reporting year (or extend it): a request per template to every active supplier
    without one. Starting it again with more templates asks for those too."""
    check_year(year)
    check_due(year, due)
    if due <= dt.date(year, 12, 31):
        raise CampaignError(
            f"the due date {due.isoformat()} is not after the {year} reporting period; suppliers answer for a "
            f"whole year, so give a date in {year + 1} or later (the usual one is {year + 1}-03-31).",
            "campaign.due",
            year=year,
        )
    campaign = find_campaign(connection, year)
    if campaign is not None and campaign.closed:
        raise CampaignError(
            f"the {year} campaign is closed; reopen it first (`conflict-minerals campaign reopen {year}`).",
            "campaign.closed",
            year=year,
        )
    if campaign is None:
        connection.execute(
            insert(campaigns).values(
                year=year,
                due_date=due,
                require_product_level=require_product_level,
                created_at=now(),
                templates=",".join(templates),
            )
        )
        campaign = find_campaign(connection, year)
        assert campaign is not None
        detail = {"year": year, "due": due.isoformat(), "templates": list(templates)}
        record(connection, actor, "campaign.started", detail, campaign_year=year)
    elif not set(templates) <= set(campaign.templates):
        wider = tuple(name for name in TEMPLATE_TYPES if name in {*campaign.templates, *templates})
        connection.execute(update(campaigns).where(campaigns.c.id == campaign.id).values(templates=",".join(wider)))
        detail = {"from": list(campaign.templates), "to": list(wider)}
        record(connection, actor, "campaign.templates", detail, campaign_year=year)
        campaign = dataclasses.replace(campaign, templates=wider)
    active = [sid for (sid,) in connection.execute(select(suppliers.c.id).where(suppliers.c.active.is_(True)))]
    created = 0
    for template in campaign.templates:
        created += _create_requests(connection, actor, campaign, template, sorted(active))
    return campaign, created


def _create_requests(
    connection: Connection, actor: str, campaign: Campaign, template: str, supplier_ids: list[int]
) -> int:
    """A request for `template` to each of the suppliers that has none; return how many were created."""
    query = select(requests.c.supplier_id).where(
        requests.c.campaign_id == campaign.id, requests.c.template_type == template
    )
    existing = {row.supplier_id for row in connection.execute(query)}
    new = [sid for sid in supplier_ids if sid not in existing]
    at = now()
    rows = [
        {
            "campaign_id": campaign.id,
            "supplier_id": sid,
            "state": RequestState.REQUESTED.value,
            "requested_at": at,
            "reminders_sent": 0,
            "template_type": template,
        }
        for sid in new
    ]
    bulk_insert(connection, requests, rows)
    record_many(
        connection,
        actor,
        "request.created",
        [({"state": RequestState.REQUESTED.value, "template": template}, sid) for sid in new],
        campaign_year=campaign.year,
    )
    return len(new)


def request_of(campaign: Campaign, supplier_id: int, template: str = "CMRT") -> Any:
    """The condition that picks a supplier's request for one template in a campaign."""
    return and_(
        requests.c.campaign_id == campaign.id,
        requests.c.supplier_id == supplier_id,
        requests.c.template_type == template,
    )


def ensure_request(
    connection: Connection, actor: str, campaign: Campaign, supplier_id: int, template: str = "CMRT"
) -> int:
    """Return the request of a supplier for a template in a campaign, creating it when missing."""
    found = connection.execute(select(requests.c.id).where(request_of(campaign, supplier_id, template))).first()
    if found:
        return int(found.id)
    request_id = inserted_id(
        connection.execute(
            insert(requests).values(
                campaign_id=campaign.id,
                supplier_id=supplier_id,
                state=RequestState.REQUESTED.value,
                requested_at=now(),
                reminders_sent=0,
                template_type=template,
            )
        )
    )
    record(
        connection,
        actor,
        "request.created",
        {"state": RequestState.REQUESTED.value, "template": template},
        campaign_year=campaign.year,
        supplier_id=supplier_id,
    )
    return int(request_id)


FIRST_YEAR = 2013  # the first reporting year of the SEC's conflict minerals rule
DUE_YEARS_AFTER = 2  # a due date more than two years after the period is a typo (9999-12-31)


def check_due(year: int, due: dt.date) -> None:
    """Refuse a due date later than the end of the second year after the reporting period."""
    latest = dt.date(year + DUE_YEARS_AFTER, 12, 31)
    if due > latest:
        raise CampaignError(
            f"the due date {due.isoformat()} is too far ahead for the {year} campaign; give one by {latest}.",
            "campaign.due",
            year=year,
        )


def check_year(year: int, today: dt.date | None = None) -> None:
    """Refuse a year that cannot be a reporting year (2013 to next year): `campaign start 25` is a typo."""
    last = (today or dt.date.today()).year + 1
    if not FIRST_YEAR <= year <= last:
        raise CampaignError(
            f"{year} is not a reporting year; give a calendar year from {FIRST_YEAR} to {last} (e.g. {last - 1}).",
            "campaign.year",
            year=year,
        )


def _campaign(row: Any) -> Campaign:
    templates = tuple(name for name in (row.templates or "CMRT").split(",") if name)
    return Campaign(row.id, row.year, row.due_date, row.require_product_level, row.closed_at, templates)


def find_campaign(connection: Connection, year: int | None = None) -> Campaign | None:
    """Return the campaign of a year, or when no year is given the latest open one (else the latest)."""
    if year is not None:
        row = connection.execute(select(campaigns).where(campaigns.c.year == year)).first()
        return _campaign(row) if row else None
    newest = select(campaigns).order_by(campaigns.c.year.desc())
    row = connection.execute(newest.where(campaigns.c.closed_at.is_(None))).first()
    row = row or connection.execute(newest).first()
    return _campaign(row) if row else None


def list_campaigns(connection: Connection) -> list[Campaign]:
    """Every campaign, newest year first."""
    return [_campaign(row) for row in connection.execute(select(campaigns).order_by(campaigns.c.year.desc()))]


def close_campaign(connection: Connection, actor: str, year: int, reopen: bool = False) -> Campaign:
    """Close a year's campaign (or reopen it); audited. Closing twice, or reopening an open one, is an error."""
    campaign = require_campaign(connection, year)
    if campaign.closed != reopen:
        state = "already closed" if campaign.closed else "open"
        raise CampaignError(f"the {year} campaign is {state}.", "campaign.state", year=year)
    at = None if reopen else now()
    connection.execute(update(campaigns).where(campaigns.c.id == campaign.id).values(closed_at=at))
    record(connection, actor, "campaign.reopened" if reopen else "campaign.closed", {"year": year}, campaign_year=year)
    return dataclasses.replace(campaign, closed_at=at)


def require_campaign(connection: Connection, year: int | None = None) -> Campaign:
    """Like find_campaign, but a missing campaign is an error a person can act on."""
    campaign = find_campaign(connection, year)
    if campaign is None:
        what = f"for {year}" if year else "yet"
        raise CampaignError(f"there is no campaign {what}.", "campaign.none", year=year)
    return campaign


def set_state(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier_id: int,
    state: RequestState,
    kind: str,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
    template: str = "CMRT",
) -> None:
    """Move a supplier's request (for one template) to a new state and record why."""
    request_id = ensure_request(connection, actor, campaign, supplier_id, template)
    previous = connection.execute(select(requests.c.state).where(requests.c.id == request_id)).scalar_one()
    connection.execute(update(requests).where(requests.c.id == request_id).values(state=state.value))
    record(
        connection,
        actor,
        kind,
        {
            "from": previous,
            "to": state.value,
            **({"template": template} if template != "CMRT" else {}),
            **(detail or {}),
        },
        reason,
        campaign_year=campaign.year,
        supplier_id=supplier_id,
    )


def overview(
    connection: Connection,
    campaign: Campaign,
    template: str | None = "CMRT",
    where: Any = None,
    limit: int | None = None,
    order: Any = None,
    offset: int = 0,
) -> list[RequestView]:
    """Return every request of a campaign for one template (None: every template) with its current
    submission and open findings; `where` narrows the requests (a SQL condition), `limit` caps them."""
    query = (
        select(
            requests,
            suppliers.c.name,
            submissions.c.version,
            submissions.c.file_name,
            submissions.c.template_version.label("workbook_version"),
        )
        .join(suppliers, suppliers.c.id == requests.c.supplier_id)
        .outerjoin(submissions, submissions.c.id == requests.c.current_submission_id)
        .where(requests.c.campaign_id == campaign.id)
        .order_by(suppliers.c.name, requests.c.template_type)
    )
    if template is not None:
        query = query.where(requests.c.template_type == template)
    if where is not None:
        query = query.where(where)
    if order is not None:
        query = query.order_by(None).order_by(*order, requests.c.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = connection.execute(query).all()
    # a narrowed list counts the findings of its own files only; the whole campaign reads them in one scan
    narrowed = where is not None or limit is not None
    counts = _open_finding_counts(connection, [r.current_submission_id for r in rows] if narrowed else None)
    return [
        RequestView(
            r.id,
            r.supplier_id,
            r.name,
            RequestState(r.state),
            r.requested_at,
            r.last_contact_at,
            r.reminders_sent,
            r.current_submission_id,
            r.version,
            r.file_name,
            counts.get(r.current_submission_id, {}),
            r.due_date or campaign.due_date,
            r.escalated_at,
            r.template_type,
            r.workbook_version,
        )
        for r in rows
    ]


def overdue_requests(
    connection: Connection, campaign: Campaign, today: dt.date, supplier_id: int | None = None
) -> list[RequestView]:
    """The requests (every template; one supplier's when given) still waiting after their due date, found in SQL
    (the requests already set to no_response are not read)."""
    due = func.coalesce(requests.c.due_date, campaign.due_date)
    where = and_(requests.c.state == RequestState.REQUESTED.value, due < today)
    if supplier_id is not None:
        where = and_(where, requests.c.supplier_id == supplier_id)
    return overview(connection, campaign, None, where)


def mark_overdue(
    connection: Connection, actor: str, campaign: Campaign, today: dt.date, supplier_id: int | None = None
) -> list[int]:
    """Set `no_response` on every request (one supplier's when given) still waiting after its due date; return
    the suppliers moved (once per request: a supplier asked for two templates counts twice)."""
    moved = []
    for view in overdue_requests(connection, campaign, today, supplier_id):
        set_state(
            connection,
            actor,
            campaign,
            view.supplier_id,
            RequestState.NO_RESPONSE,
            "request.no_response",
            f"nothing received by the due date {view.due_date.isoformat()}",
            {"due": view.due_date.isoformat()},
            view.template,
        )
        moved.append(view.supplier_id)
    return moved


def set_due_date(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier_id: int,
    due: dt.date,
    kind: str = "request.extended",
    reason: str | None = None,
    template: str = "CMRT",
) -> None:
    """Give one supplier its own due date (an extension); a `no_response` request is open again, reminders restart."""
    request_id = ensure_request(connection, actor, campaign, supplier_id, template)
    row = connection.execute(select(requests.c.state, requests.c.due_date).where(requests.c.id == request_id)).one()
    current = row.due_date or campaign.due_date
    check_due(campaign.year, due)
    if kind == "request.extended" and due <= current:
        raise CampaignError(
            f"{due.isoformat()} is not later than the supplier's due date {current.isoformat()}; an extension "
            "gives more time.",
            "campaign.extension",
        )
    values: dict[str, object] = {"due_date": due}
    if kind == "request.extended":
        values |= {"reminders_sent": 0, "escalated_at": None}
        if row.state == RequestState.NO_RESPONSE.value:
            values["state"] = RequestState.REQUESTED.value
    connection.execute(update(requests).where(requests.c.id == request_id).values(**values))
    detail = {"from": current.isoformat(), "to": due.isoformat()}
    record(connection, actor, kind, detail, reason, campaign_year=campaign.year, supplier_id=supplier_id)


def _open_finding_counts(connection: Connection, ids: list[int | None] | None = None) -> dict[int, dict[str, int]]:
    """Open findings by submission and severity: of the submissions given, or of every submission."""
    query = (
        select(findings.c.submission_id, findings.c.severity, func.count())
        .where(findings.c.waived.is_(False))
        .group_by(findings.c.submission_id, findings.c.severity)
    )
    wanted = sorted({i for i in ids if i is not None}) if ids is not None else None
    batches = (
        [query]
        if wanted is None
        else [
            query.where(findings.c.submission_id.in_(wanted[start : start + 500]))
            for start in range(0, len(wanted), 500)
        ]
    )
    counts: dict[int, dict[str, int]] = {}
    for batch in batches:
        for submission_id, severity, count in connection.execute(batch):
            counts.setdefault(submission_id, {})[severity] = count
    return counts


def open_error_requests() -> Any:
    """The condition: the request's current file has an error finding nobody waived."""
    erring = select(findings.c.submission_id).where(findings.c.severity == "error", findings.c.waived.is_(False))
    return requests.c.current_submission_id.in_(erring)


def overdue_condition(campaign: Campaign, today: dt.date) -> Any:
    """The condition: the request is still outstanding after its own (or the campaign's) due date."""
    due = func.coalesce(requests.c.due_date, campaign.due_date)
    return and_(requests.c.state.in_([s.value for s in OUTSTANDING]), due < today)


def count_requests(connection: Connection, campaign: Campaign, where: Any) -> int:
    """How many of a campaign's requests (every template) meet a condition (on the request, its supplier or
    its current submission)."""
    joined = requests.join(suppliers, suppliers.c.id == requests.c.supplier_id).outerjoin(
        submissions, submissions.c.id == requests.c.current_submission_id
    )
    query = select(func.count()).select_from(joined).where(requests.c.campaign_id == campaign.id, where)
    return int(connection.execute(query).scalar() or 0)


def state_counts(connection: Connection, campaign: Campaign, template: str = "CMRT") -> dict[RequestState, int]:
    """How many of a campaign's requests for a template are in each state (one grouped query, no views built)."""
    query = (
        select(requests.c.state, func.count())
        .where(requests.c.campaign_id == campaign.id, requests.c.template_type == template)
        .group_by(requests.c.state)
    )
    return {RequestState(state): count for state, count in connection.execute(query)}


def rate_of(counts: Mapping[RequestState, int]) -> tuple[int, int, float]:
    """(responded, surveyed, rate) from the number of requests in each state."""
    surveyed = sum(counts.values())
    responded = sum(n for state, n in counts.items() if state in RESPONDED)
    return responded, surveyed, (responded / surveyed if surveyed else 0.0)


def next_version(connection: Connection, campaign: Campaign, supplier_id: int, template: str = "CMRT") -> int:
    """Return the version number the supplier's next submission of a template in this campaign gets."""
    query = select(func.max(submissions.c.version)).where(
        submissions.c.campaign_id == campaign.id,
        submissions.c.supplier_id == supplier_id,
        submissions.c.template_type == template,
    )
    return int(connection.execute(query).scalar() or 0) + 1


def make_current(
    connection: Connection,
    actor: str,
    campaign: Campaign,
    supplier_id: int,
    submission_id: int,
    version: int,
    detail: dict[str, object],
    template: str = "CMRT",
) -> None:
    """Make a submission the supplier's current one for its template; earlier versions stay."""
    request_id = ensure_request(connection, actor, campaign, supplier_id, template)
    previous = connection.execute(select(requests.c.state).where(requests.c.id == request_id)).scalar_one()
    connection.execute(
        update(requests)
        .where(requests.c.id == request_id)
        .values(current_submission_id=submission_id, state=RequestState.UNDER_REVIEW.value, last_contact_at=now())
    )
    record(
        connection,
        actor,
        "submission.received",
        {**detail, "version": version, "from": previous, "to": RequestState.UNDER_REVIEW.value},
        campaign_year=campaign.year,
        supplier_id=supplier_id,
        submission_id=submission_id,
    )
