"""The facility master: a reviewer's decision on a name suppliers gave, kept and applied from a year on.

A decision is about a facility key: a Smelter ID, or metal + normalised name + country for a
name that is not on RMI's list. It maps the name to a Smelter ID, confirms it as a real
facility that is not on RMI's list, or excludes it with a reason (a trader, a duplicate, not in
our supply chain). It applies to every row with the same key in its campaign and every later
one; a later decision on the same key replaces it, and withdrawing it is audited too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Metal, SmelterId
from conflict_minerals.neutral import input_text
from conflict_minerals.program.audit import as_utc, now, record
from conflict_minerals.program.schema import facility_decisions, inserted_id, smelter_rows
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.smelters.consolidate import NO_MATCH, RowFacts, Ruling, facility_key
from conflict_minerals.smelters.matching import Method, SmelterMatch

MAP, CONFIRM, EXCLUDE = "map", "confirm", "exclude"
EXCLUSIONS = {
    "trader": "a trader or sales company, not a smelter or refiner",
    "duplicate": "a duplicate of a facility listed under another name",
    "not-in-supply-chain": "not in our supply chain",
    "not-a-smelter": "not a smelter or refiner",
    "other": "excluded by a reviewer",
}
SMELTER_ID = re.compile(r"CID\d{6}", re.IGNORECASE)


class FacilityDecisionError(ConflictMineralsError):
    """A facility decision that cannot be taken as asked."""

    default_code = "facility.decision"


@dataclass(frozen=True, slots=True)
class FacilityDecision:
    """A reviewer's decision on a facility key, with who took it, when and why."""

    id: int
    key: str
    metal: Metal | None
    name: str
    country: str | None
    action: str
    smelter_id: SmelterId | None
    exclusion: str | None
    reason: str
    from_year: int
    actor: str
    decided_at: dt.datetime

    def describe(self) -> str:
        """The decision in words, as the working papers and the CLI print it."""
        if self.action == MAP:
            return f"mapped to {self.smelter_id}"
        if self.action == CONFIRM:
            return "confirmed as a facility not on RMI's list"
        return f"excluded: {EXCLUSIONS.get(self.exclusion or 'other', 'excluded')}"

    def as_json(self) -> dict[str, object]:
        """The decision as JSON."""
        return {
            "id": self.id,
            "key": self.key,
            "metal": self.metal.value if self.metal else None,
            "name": self.name,
            "country": self.country,
            "action": self.action,
            "smelter_id": self.smelter_id,
            "exclusion": self.exclusion,
            "reason": self.reason,
            "from_year": self.from_year,
            "actor": self.actor,
            "decided_at": self.decided_at.isoformat(),
            "decision": self.describe(),
        }


def name_facility_key(metal: Metal | None, name: str, country: str | None) -> str:
    """The key of a name as consolidation builds it: metal | normalised name | country code."""
    return facility_key(RowFacts(0, metal, None, name, country, False), NO_MATCH)


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """What a reviewer asks: which name (or Smelter ID), and what to decide about it."""

    name: str
    metal: Metal | None
    country: str | None
    action: str
    reason: str
    smelter_id: str | None = None
    exclusion: str | None = None
    ahead: bool = False  # decide on a name no supplier has given yet


def decide(
    connection: Connection, actor: str, year: int, asked: DecisionRequest, reference: SmelterReference
) -> FacilityDecision:
    """Record a decision (replacing any earlier one on the same key); audited."""
    asked = dataclasses.replace(
        asked,
        name=input_text(asked.name)[:300],
        country=input_text(asked.country)[:100] or None,
        reason=input_text(asked.reason)[:2000],
    )
    if not asked.reason:
        raise FacilityDecisionError("a facility decision needs a reason.")
    if not asked.name:
        raise FacilityDecisionError("give the name (or Smelter ID) the decision is about.")
    if asked.country and resolve_country(asked.country) is None:
        raise FacilityDecisionError(f"'{asked.country}' is not a country; give a country name or code (Rwanda, RW).")
    target = SMELTER_ID.fullmatch(asked.name)
    if target:
        if asked.action != EXCLUDE:
            raise FacilityDecisionError("a Smelter ID can only be excluded; map or confirm a name instead.")
        key = target.group(0).upper()
    else:
        if asked.metal is None:
            raise FacilityDecisionError("give the metal of the name (--metal), as decisions are per metal.")
        key = name_facility_key(asked.metal, asked.name, asked.country)
    if not asked.ahead:
        _check_named(connection, key, asked)
    smelter_id = _check_target(asked, reference)
    if asked.action == EXCLUDE and asked.exclusion not in EXCLUSIONS:
        raise FacilityDecisionError(f"the exclusion reason must be one of: {', '.join(EXCLUSIONS)}.")
    at = now()
    values = {
        "facility_key": key,
        "metal": asked.metal.value if asked.metal else None,
        "name": asked.name,
        "country": asked.country,
        "action": asked.action,
        "smelter_id": smelter_id,
        "exclusion": asked.exclusion if asked.action == EXCLUDE else None,
        "reason": asked.reason,
        "from_year": year,
        "actor": actor,
        "decided_at": at,
    }
    decision_id = inserted_id(connection.execute(insert(facility_decisions).values(**values)))
    detail = {k: v for k, v in values.items() if k not in ("actor", "decided_at", "reason")}
    record(connection, actor, f"facility.{asked.action}", detail, asked.reason, campaign_year=year)
    return _decision(connection.execute(select(facility_decisions).where(facility_decisions.c.id == decision_id)).one())


def _check_named(connection: Connection, key: str, asked: DecisionRequest) -> None:
    """Refuse a decision no supplier row would follow (a typo in the name or country), with the nearest names."""
    column = smelter_rows.c.match_smelter_id if SMELTER_ID.fullmatch(key) else smelter_rows.c.facility_key
    if connection.execute(select(smelter_rows.c.id).where(column == key).limit(1)).first():
        return
    prefix = key.split("|")[0] + "|"
    known = [
        row[0]
        for row in connection.execute(
            select(smelter_rows.c.facility_key).where(smelter_rows.c.facility_key.startswith(prefix)).distinct()
        )
    ]
    near = [hit[0] for hit in process.extract(key, known, scorer=fuzz.ratio, limit=3, score_cutoff=75)]
    hint = f" Did you mean {' or '.join(_spoken(k) for k in near)}?" if near else ""
    raise FacilityDecisionError(
        f"no supplier row names {_spoken(key)}.{hint} `smelters review` lists the names awaiting a decision; "
        "add --ahead to decide on a name before any supplier gives it.",
        "facility.no_rows",
    )


def _spoken(key: str) -> str:
    """A facility key as people read it: 'malaysia smelting' (Tin, MY)."""
    parts = key.split("|")
    if len(parts) != 3:
        return key
    metal, name, country = parts
    return f"'{name}' ({metal}, {country})"


def _check_target(asked: DecisionRequest, reference: SmelterReference) -> str | None:
    if asked.action != MAP:
        return None
    facility = reference.get(SmelterId((asked.smelter_id or "").strip().upper()))
    if facility is None:
        raise FacilityDecisionError(f"{asked.smelter_id} is not a Smelter ID in RMI's reference list.")
    if asked.metal is not None and facility.metal is not asked.metal:
        raise FacilityDecisionError(f"{facility.smelter_id} is a {facility.metal} facility, not {asked.metal}.")
    return str(facility.smelter_id)


def withdraw(connection: Connection, actor: str, decision_id: int, reason: str) -> FacilityDecision:
    """Withdraw a decision: its rows are back to what matching made of them; audited."""
    row = connection.execute(select(facility_decisions).where(facility_decisions.c.id == decision_id)).first()
    if row is None or row.withdrawn_at is not None:
        raise FacilityDecisionError(f"there is no standing facility decision number {decision_id}.")
    connection.execute(
        update(facility_decisions).where(facility_decisions.c.id == decision_id).values(withdrawn_at=now())
    )
    detail = {"decision": decision_id, "key": row.facility_key, "name": row.name, "action": row.action}
    record(connection, actor, "facility.withdrawn", detail, reason, campaign_year=row.from_year)
    return _decision(row)


def standing_decisions(connection: Connection, year: int | None = None) -> dict[str, FacilityDecision]:
    """The decision in force for each key in a campaign year (all years when None): the latest not withdrawn."""
    query = select(facility_decisions).where(facility_decisions.c.withdrawn_at.is_(None))
    if year is not None:
        query = query.where(facility_decisions.c.from_year <= year)
    found: dict[str, FacilityDecision] = {}
    for row in connection.execute(query.order_by(facility_decisions.c.id)):
        found[row.facility_key] = _decision(row)
    return found


def decision_list(decisions: Mapping[str, FacilityDecision]) -> list[FacilityDecision]:
    """Decisions in the order they were taken."""
    return sorted(decisions.values(), key=lambda d: d.id)


def _decision(r: Any) -> FacilityDecision:
    return FacilityDecision(
        r.id,
        r.facility_key,
        Metal(r.metal) if r.metal else None,
        r.name,
        r.country,
        r.action,
        SmelterId(r.smelter_id) if r.smelter_id else None,
        r.exclusion,
        r.reason,
        r.from_year,
        r.actor,
        as_utc(r.decided_at),
    )


def rulings(decisions: Mapping[str, FacilityDecision], reference: SmelterReference) -> dict[str, Ruling]:
    """The decisions as consolidation applies them (a mapped ID's facility looked up in the reference)."""
    found = {}
    for key, decision in decisions.items():
        note = f"{decision.describe()} ({decision.actor}, {decision.decided_at:%Y-%m-%d}): {decision.reason}"
        match = None
        if decision.action == MAP and decision.smelter_id:
            facility = reference.get(decision.smelter_id)
            if facility is None:
                continue  # the ID left the reference list: the name is open again
            match = SmelterMatch(
                facility.smelter_id,
                facility.standard_name,
                facility.metal,
                facility.country,
                Method.REVIEWED,
                1.0,
                note,
            )
        found[key] = Ruling(decision.id, decision.action, match, note)
    return found


def workspace_rulings(
    workspace: Workspace, year: int, revisions: Sequence[ReferenceRevision] | None = None
) -> tuple[dict[str, Ruling], list[FacilityDecision]]:
    """The rulings in force for a campaign year, and the decisions behind them.

    The reference is read only when a decision maps a name, and not again when the caller has its revisions.
    """
    with workspace.read() as connection:
        decisions = standing_decisions(connection, year)
    if not decisions:
        return {}, []
    needs_reference = any(d.action == MAP for d in decisions.values())
    if not needs_reference:
        reference = SmelterReference.build([])
    else:
        reference = SmelterReference.build(revisions if revisions is not None else workspace.reference.revisions())
    return rulings(decisions, reference), decision_list(decisions)
