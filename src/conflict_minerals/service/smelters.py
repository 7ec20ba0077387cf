"""The consolidated facilities of a campaign as the Smelters page shows them: filtered, sorted, with evidence."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.facilities import FacilityDecision
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import Gathered
from conflict_minerals.service.consolidated import is_kept, kept_gather, lists_in_use
from conflict_minerals.service.facilities import NameToDecide, facility_decisions, names_in
from conflict_minerals.smelters.consolidate import ConsolidatedFacility

SORTS = ("name", "smelter_id", "metal", "country", "status", "suppliers")
PER_PAGE = 100  # facilities a page
NAMES_PER_PAGE = 20  # names awaiting a reviewer a page (each with its rows and a form)
SMELTER_LIST = "Smelter List"  # the sheet every row of the evidence comes from


class FacilityUnknownError(ConflictMineralsError):
    """No facility of the campaign's consolidation has the key asked for."""

    default_code = "facility.unknown"


@dataclass(frozen=True, slots=True)
class SmelterQuery:
    """What the Smelters page asks: filters and a sort."""

    metal: str = ""
    status: str = ""
    covered: bool = False  # only facilities in a Covered Country
    cahra: bool = False  # only facilities in a country on the CAHRA list
    supplier: str = ""  # part of a supplier's name, any case
    sort: str = "name"
    descending: bool = False
    page: int = 1  # of the facilities, PER_PAGE a page
    names_page: int = 1  # of the names awaiting a reviewer, NAMES_PER_PAGE a page


@dataclass(frozen=True, slots=True)
class SmelterList:
    """The facilities shown, the names awaiting a reviewer and the decisions in force."""

    year: int
    as_of: dt.date
    facilities: tuple[ConsolidatedFacility, ...]  # the page asked for, filtered and sorted
    total: int  # facilities before filtering
    matching: int  # facilities the filters keep, on every page
    names: tuple[NameToDecide, ...]  # the page asked for
    names_total: int
    decisions: tuple[FacilityDecision, ...]
    status_lists: tuple[str, ...]
    supplier_counts: dict[str, int]  # facility key -> suppliers naming it

    @property
    def pages(self) -> int:
        """How many pages of facilities the filters give."""
        return max(1, -(-self.matching // PER_PAGE))

    @property
    def names_pages(self) -> int:
        """How many pages of names awaiting a reviewer there are."""
        return max(1, -(-self.names_total // NAMES_PER_PAGE))


@dataclass(frozen=True, slots=True)
class FacilityEvidence:
    """One facility with the supplier files and Smelter List rows that name it."""

    year: int
    as_of: dt.date
    facility: ConsolidatedFacility
    sheet: str


@dataclass(frozen=True, slots=True)
class _Derived:
    """What every request of one consolidation needs: worked out once, while the consolidation is kept."""

    gathered: Gathered
    names: tuple[NameToDecide, ...]
    supplier_counts: dict[str, int]  # facility key -> suppliers naming it
    by_supplier: dict[str, frozenset[str]]  # casefolded supplier name -> keys of the facilities it names


_DERIVED: dict[int, _Derived] = {}  # by consolidation still kept
_DERIVED_LOCK = threading.Lock()


def _derived(workspace: Workspace, gathered: Gathered) -> _Derived:
    with _DERIVED_LOCK:
        held = _DERIVED.get(id(gathered))
    if held is not None and held.gathered is gathered:
        return held
    index: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for facility in gathered.run.consolidation.facilities:
        named_by = facility.suppliers  # a property that walks every row: once here, not per request
        counts[facility.key] = len(named_by)
        for supplier in named_by:
            index.setdefault(supplier.casefold(), set()).add(facility.key)
    names = tuple(names_in(workspace, gathered.run.consolidation))
    held = _Derived(gathered, names, counts, {k: frozenset(v) for k, v in index.items()})
    with _DERIVED_LOCK:
        _DERIVED[id(gathered)] = held
        for stale in [k for k, d in _DERIVED.items() if not is_kept(d.gathered)]:
            del _DERIVED[stale]
    return held


def _named_by(derived: _Derived, part: str) -> frozenset[str]:
    """Keys of the facilities named by a supplier whose name contains `part` (any case)."""
    wanted = part.casefold()
    return frozenset().union(*(keys for supplier, keys in derived.by_supplier.items() if wanted in supplier))


def _wanted(facility: ConsolidatedFacility, query: SmelterQuery, named: frozenset[str] | None) -> bool:
    return (
        (not query.metal or (facility.metal is not None and facility.metal.value == query.metal))
        and (not query.status or facility.status.value == query.status)
        and (not query.covered or facility.covered_country)
        and (not query.cahra or facility.cahra)
        and (named is None or facility.key in named)
    )


def _sort_key(sort: str, counts: dict[str, int]) -> object:
    keys = {
        "name": lambda f: f.name.casefold(),
        "smelter_id": lambda f: f.smelter_id or "~",
        "metal": lambda f: (f.metal.value if f.metal else "~", f.name.casefold()),
        "country": lambda f: ((f.country or "~").casefold(), f.name.casefold()),
        "status": lambda f: (f.status.value, f.name.casefold()),
        "suppliers": lambda f: (counts.get(f.key, 0), f.name.casefold()),
    }
    return keys.get(sort, keys["name"])


def smelter_list(
    workspace: Workspace, year: int | None = None, as_of: dt.date | None = None, query: SmelterQuery | None = None
) -> SmelterList:
    """The campaign's consolidated facilities (as the report counts them) with status as of a date, filtered."""
    query = query or SmelterQuery()
    gathered = kept_gather(workspace, year, as_of)
    derived = _derived(workspace, gathered)
    facilities = gathered.run.consolidation.facilities
    named = _named_by(derived, query.supplier) if query.supplier else None
    shown = [f for f in facilities if _wanted(f, query, named)]
    shown.sort(key=_sort_key(query.sort, derived.supplier_counts), reverse=query.descending)  # type: ignore[arg-type]
    first = (max(1, query.page) - 1) * PER_PAGE
    names_first = (max(1, query.names_page) - 1) * NAMES_PER_PAGE
    return SmelterList(
        gathered.campaign.year,
        gathered.as_of,
        tuple(shown[first : first + PER_PAGE]),
        len(facilities),
        len(shown),
        derived.names[names_first : names_first + NAMES_PER_PAGE],
        len(derived.names),
        tuple(facility_decisions(workspace)),
        lists_in_use(gathered),
        derived.supplier_counts,
    )


def facility_evidence(
    workspace: Workspace, key: str, year: int | None = None, as_of: dt.date | None = None
) -> FacilityEvidence:
    """A facility of the campaign's consolidation, by key, with every supplier row naming it."""
    gathered = kept_gather(workspace, year, as_of)
    for facility in gathered.run.consolidation.facilities:
        if facility.key == key:
            return FacilityEvidence(gathered.campaign.year, gathered.as_of, facility, SMELTER_LIST)
    raise FacilityUnknownError(f"no facility of campaign {gathered.campaign.year} has the key {key!r}.", key=key)
