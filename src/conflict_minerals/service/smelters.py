"""The consolidated facilities of a campaign as the Smelters page shows them: filtered, sorted, with evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.facilities import FacilityDecision
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import Gathered
from conflict_minerals.service.consolidated import is_kept, kept_gather, lists_in_use
from conflict_minerals.service.facilities import NameToDecide, facility_decisions, names_in
from conflict_minerals.smelters.consolidate import ConsolidatedFacility

SORTS = ("name", "smelter_id", "metal", "country", "status", "suppliers")
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
    supplier: str = ""
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class SmelterList:
    """The facilities shown, the names awaiting a reviewer and the decisions in force."""

    year: int
    as_of: dt.date
    facilities: tuple[ConsolidatedFacility, ...]  # filtered and sorted
    total: int  # facilities before filtering
    suppliers: tuple[str, ...]  # every supplier naming a facility or a name to decide
    names: tuple[NameToDecide, ...]
    decisions: tuple[FacilityDecision, ...]
    status_lists: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FacilityEvidence:
    """One facility with the supplier files and Smelter List rows that name it."""

    year: int
    as_of: dt.date
    facility: ConsolidatedFacility
    sheet: str


_NAMES: dict[int, tuple[Gathered, tuple[NameToDecide, ...]]] = {}  # by consolidation still kept


def _wanted(facility: ConsolidatedFacility, query: SmelterQuery) -> bool:
    return (
        (not query.metal or (facility.metal is not None and facility.metal.value == query.metal))
        and (not query.status or facility.status.value == query.status)
        and (not query.covered or facility.covered_country)
        and (not query.cahra or facility.cahra)
        and (not query.supplier or any(query.supplier.casefold() in s.casefold() for s in facility.suppliers))
    )


def _sort_key(sort: str) -> object:
    keys = {
        "name": lambda f: f.name.casefold(),
        "smelter_id": lambda f: f.smelter_id or "~",
        "metal": lambda f: (f.metal.value if f.metal else "~", f.name.casefold()),
        "country": lambda f: ((f.country or "~").casefold(), f.name.casefold()),
        "status": lambda f: (f.status.value, f.name.casefold()),
        "suppliers": lambda f: (len(f.suppliers), f.name.casefold()),
    }
    return keys.get(sort, keys["name"])


def smelter_list(
    workspace: Workspace, year: int | None = None, as_of: dt.date | None = None, query: SmelterQuery | None = None
) -> SmelterList:
    """The campaign's consolidated facilities (as the report counts them) with status as of a date, filtered."""
    query = query or SmelterQuery()
    gathered = kept_gather(workspace, year, as_of)
    consolidation = gathered.run.consolidation
    held = _NAMES.get(id(gathered))
    if held is None or held[0] is not gathered:  # the names awaiting a reviewer, matched once per consolidation
        held = _NAMES[id(gathered)] = (gathered, tuple(names_in(workspace, consolidation)))
        for stale in [k for k, (g, _) in _NAMES.items() if not is_kept(g)]:
            del _NAMES[stale]
    names = held[1]
    shown = [f for f in consolidation.facilities if _wanted(f, query)]
    shown.sort(key=_sort_key(query.sort), reverse=query.descending)  # type: ignore[arg-type]
    suppliers = {s for f in consolidation.facilities for s in f.suppliers} | {s for n in names for s in n.suppliers}
    lists = lists_in_use(gathered)
    return SmelterList(
        gathered.campaign.year,
        gathered.as_of,
        tuple(shown),
        len(consolidation.facilities),
        tuple(sorted(suppliers, key=str.casefold)),
        tuple(names),
        tuple(facility_decisions(workspace)),
        lists,
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
