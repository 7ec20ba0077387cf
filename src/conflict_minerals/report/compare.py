"""Year over year: this period against what was reported for the earlier one, never recomputed.

The baseline is the earlier period's own newest final report run (its Annex, statuses and
suppliers as they were reported), else a filing imported with `filings import` (its annex as
printed, matched to Smelter IDs). Statuses are compared only when the baseline had them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from conflict_minerals.program.campaign import RequestState, RequestView
from conflict_minerals.program.schema import filings
from conflict_minerals.report.model import Comparison
from conflict_minerals.report.runs import find_filed_run
from conflict_minerals.smelters.consolidate import ConsolidatedFacility
from conflict_minerals.smelters.names import name_key


@dataclass(frozen=True, slots=True)
class BaselineFacility:
    """A facility as the earlier report listed it."""

    label: str
    status: str | None  # bucket, or None when the baseline had no status for it


@dataclass(frozen=True, slots=True)
class Baseline:
    """What was reported for an earlier period."""

    period: int
    source: str  # "report run 12" or "imported filing (name)"
    suppliers: frozenset[str] | None  # None: the baseline does not name suppliers
    facilities: dict[str, BaselineFacility]
    statuses: bool  # the baseline had a status list (so status changes mean something)


def facility_compare_key(smelter_id: str | None, metal: str | None, name: str) -> str:
    """The key two periods share for one facility: its Smelter ID, else metal and name."""
    return smelter_id.upper() if smelter_id else f"{(metal or '').lower()}|{name_key(name)}"


# Status words as filings print them, mapped to our buckets (checked in order).
_WORD_BUCKETS = (
    (re.compile(r"\b(not|non)[ -]?(conformant|compliant)\b", re.I), "not_conformant"),
    (re.compile(r"\bnot[ -]?listed\b|\bunknown\b|\bundeterminable\b|^no$", re.I), "not_listed"),
    (re.compile(r"\bconformant\b|\bcompliant\b|conflict[ -]?free|^yes$|\blbma\b|\brjc\b", re.I), "conformant"),
    (re.compile(r"\bactive\b|in[ -]?(progress|process)|participat|commit", re.I), "active"),
)


def bucket_of_words(words: str) -> str | None:
    """Map printed status words ('Compliant', 'In Process', 'Yes') to a status bucket; None when unclear."""
    text = words.strip()
    for pattern, bucket in _WORD_BUCKETS:
        if pattern.search(text):
            return bucket
    return None


def find_baseline(connection: Connection, period: int) -> Baseline | None:
    """The earlier period's newest final report run (else newest draft), else newest imported filing, else None."""
    run = find_filed_run(connection, period)
    if run is not None:
        facilities = {
            facility_compare_key(row["smelter_id"], row["metal"], row["name"]): BaselineFacility(
                _label(row["name"], row["smelter_id"]), row["status"]
            )
            for row in run.data.get("annex", [])
        }
        surveyed = run.data.get("supplier_evidence", {}).get("suppliers.surveyed", [])
        return Baseline(
            period,
            f"report run {run.id}",
            frozenset(e["supplier"] for e in surveyed),
            facilities,
            bool(run.data.get("status_lists")),
        )
    row = connection.execute(
        select(filings.c.id, filings.c.source_name, filings.c.content)
        .where(filings.c.period == period)
        .order_by(filings.c.id.desc())
    ).first()
    if row is None:
        return None
    annex = json.loads(row.content).get("annex", [])
    facilities = {
        facility_compare_key(a.get("smelter_id"), a["metal"], a["name"]): BaselineFacility(
            _label(a["name"], a.get("smelter_id")), bucket_of_words(a.get("status") or "")
        )
        for a in annex
    }
    statuses = any(f.status for f in facilities.values())
    return Baseline(period, f"imported filing {row.source_name}", None, facilities, statuses)


def compare(
    baseline: Baseline, views: Sequence[RequestView], current: Iterable[ConsolidatedFacility], statuses: bool
) -> Comparison:
    """Compare this period (its suppliers in scope and consolidated facilities) with a baseline."""
    now_f = {facility_compare_key(f.smelter_id, f.metal.value if f.metal else None, f.name): f for f in current}
    names = {v.supplier for v in views if v.state is not RequestState.NOT_APPLICABLE}
    changes: tuple[tuple[str, str, str], ...] = ()
    if baseline.statuses and statuses:
        changes = tuple(
            sorted(
                (_label(now_f[k].name, now_f[k].smelter_id), old, now_f[k].status.value)
                for k in now_f.keys() & baseline.facilities.keys()
                if (old := baseline.facilities[k].status) is not None and old != now_f[k].status.value
            )
        )
    return Comparison(
        baseline.period,
        tuple(sorted(names - baseline.suppliers)) if baseline.suppliers is not None else (),
        tuple(sorted(baseline.suppliers - names)) if baseline.suppliers is not None else (),
        tuple(sorted(_label(now_f[k].name, now_f[k].smelter_id) for k in now_f.keys() - baseline.facilities.keys())),
        tuple(sorted(baseline.facilities[k].label for k in baseline.facilities.keys() - now_f.keys())),
        changes,
        source=baseline.source,
        suppliers_known=baseline.suppliers is not None,
        statuses_compared=baseline.statuses and statuses,
    )


def _label(name: str, smelter_id: str | None) -> str:
    return f"{name} ({smelter_id})" if smelter_id else name
