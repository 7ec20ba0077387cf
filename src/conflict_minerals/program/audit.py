"""The audit trail: every import, state change and decision as an append-only event."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select

from conflict_minerals.program.schema import bulk_insert, events, suppliers


def now() -> dt.datetime:
    """The current time in UTC (every stored time is UTC)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the audit trail."""

    id: int
    at: dt.datetime
    actor: str
    kind: str
    campaign_year: int | None
    supplier: str | None
    submission_id: int | None
    detail: dict[str, Any]
    reason: str | None

    @property
    def summary(self) -> str:
        """What happened, in a short line: the detail's telling fields (file, template, from -> to, counts)."""
        d = self.detail
        parts = [str(d[key]) for key in ("file", "template", "code", "name", "message", "user") if d.get(key)]
        parts += [f"role {d['role']}"] if d.get("role") else []
        parts += [("active" if d["active"] else "deactivated")] if isinstance(d.get("active"), bool) else []
        parts += [f"was {d['was']}"] if d.get("was") else []
        if d.get("from") is not None and d.get("to") is not None and not isinstance(d["from"], (dict, list)):
            parts.append(f"{d['from']} -> {d['to']}")
        parts += [f"{key} {d[key]}" for key in ("version", "findings", "count", "due") if d.get(key) not in (None, "")]
        text = ", ".join(parts)
        return text if len(text) <= 160 else text[:159] + "…"


def record(
    connection: Connection,
    actor: str,
    kind: str,
    detail: dict[str, Any],
    reason: str | None = None,
    campaign_year: int | None = None,
    supplier_id: int | None = None,
    submission_id: int | None = None,
) -> None:
    """Append one event; there is deliberately no way to change or delete one."""
    connection.execute(
        insert(events).values(
            at=now(),
            actor=actor,
            kind=kind,
            campaign_year=campaign_year,
            supplier_id=supplier_id,
            submission_id=submission_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
            reason=reason,
        )
    )


def record_many(
    connection: Connection,
    actor: str,
    kind: str,
    items: list[tuple[dict[str, Any], int | None]],
    campaign_year: int | None = None,
) -> None:
    """Append one event per (detail, supplier) in bulk: the same kind, actor and time."""
    at = now()
    bulk_insert(
        connection,
        events,
        [
            {
                "at": at,
                "actor": actor,
                "kind": kind,
                "campaign_year": campaign_year,
                "supplier_id": supplier_id,
                "submission_id": None,
                "detail": json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
                "reason": None,
            }
            for detail, supplier_id in items
        ],
    )


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events to list: one supplier, one campaign, kinds (a prefix such as 'facility' or a full kind)."""

    supplier_id: int | None = None
    campaign_year: int | None = None
    kinds: tuple[str, ...] = ()
    since: dt.date | None = None
    limit: int | None = None
    actor: str | None = None
    until: dt.date | None = None  # only events before the end of this day (UTC)


def list_events(connection: Connection, wanted: EventFilter | None = None) -> list[Event]:
    """Return the events the filter selects, oldest first (the newest `limit` of them when limited)."""
    wanted = wanted or EventFilter()
    query = _filtered(select(events, suppliers.c.name), wanted)
    if wanted.limit is not None:
        query = query.order_by(events.c.id.desc()).limit(wanted.limit)
    rows = sorted(connection.execute(query).all(), key=lambda r: r.id)
    return [_event(r) for r in rows]


ESCALATIONS = ("decision.escalated", "request.escalated")  # by a reviewer, or by the reminder schedule


def escalations(connection: Connection, campaign_year: int, template: str = "CMRT") -> list[Event]:
    """A campaign's escalations of one template's requests, oldest first (the report's and its digest's)."""
    found = list_events(connection, EventFilter(campaign_year=campaign_year, kinds=ESCALATIONS))
    return [event for event in found if event.detail.get("template", "CMRT") == template]


def count_events(connection: Connection, wanted: EventFilter) -> int:
    """How many events the filter selects (its limit aside)."""
    return int(connection.execute(_filtered(select(func.count()), wanted)).scalar() or 0)


def _filtered(query: Any, wanted: EventFilter) -> Any:
    query = query.select_from(events).outerjoin(suppliers, suppliers.c.id == events.c.supplier_id)
    if wanted.supplier_id is not None:
        query = query.where(events.c.supplier_id == wanted.supplier_id)
    if wanted.campaign_year is not None:
        query = query.where(events.c.campaign_year == wanted.campaign_year)
    if wanted.kinds:
        query = query.where(or_(*(or_(events.c.kind == k, events.c.kind.startswith(f"{k}.")) for k in wanted.kinds)))
    if wanted.since is not None:
        query = query.where(events.c.at >= dt.datetime.combine(wanted.since, dt.time(), dt.UTC))
    if wanted.actor is not None:
        query = query.where(events.c.actor == wanted.actor)
    if wanted.until is not None:
        query = query.where(events.c.at < dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    return query


def _event(r: Any) -> Event:
    return Event(
        r.id,
        as_utc(r.at),
        r.actor,
        r.kind,
        r.campaign_year,
        r.name,
        r.submission_id,
        json.loads(r.detail),
        r.reason,
    )


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time with its zone: every stored time is UTC, and SQLite hands them back without one."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
