"""The extended-minerals summary of a campaign: per mineral, who was asked and answered, the facilities
named (by status as of a date, where a status list for the mineral is imported), their countries and
the mines declared. The Form SD stays 3TG-only; this is its companion for cobalt, mica and the rest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from conflict_minerals.neutral import markdown_text
from conflict_minerals.program.campaign import RESPONDED, Campaign, RequestState
from conflict_minerals.program.extended_store import (
    StoredMineralRow,
    current_extended,
    mine_countries,
    mineral_rows,
)
from conflict_minerals.program.schema import answers, requests
from conflict_minerals.reference.countries import plain_country_name

# (mineral, Smelter ID, as-of date) -> the facility's status label (NOT_ON_LIST when a list of the mineral
# does not name it), or None when no list of the mineral is imported
StatusOf = Callable[[str, str, dt.date], str | None]
NOT_IDENTIFIED = "not identified (no Smelter ID)"
NO_LIST = "no status list for this mineral"
UNKNOWN_ID = "Smelter ID not in RMI's look-up"
NOT_ON_LIST = "not on the status list"


@dataclass(frozen=True, slots=True)
class MineralSummary:
    """One mineral's figures."""

    mineral: str
    suppliers_answered: int
    declared_used: int
    facilities: int
    by_status: dict[str, int]
    countries: dict[str, int]
    mines_by_country: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON of one mineral."""
        return {
            "mineral": self.mineral,
            "suppliers_answered": self.suppliers_answered,
            "declared_used": self.declared_used,
            "facilities": self.facilities,
            "facilities_by_status": self.by_status,
            "facility_countries": self.countries,
            "mines_by_country": self.mines_by_country,
        }


@dataclass(frozen=True, slots=True)
class MineralsReport:
    """The summary of a campaign's extended templates."""

    year: int
    as_of: dt.date
    templates: dict[str, dict[str, int]]  # per template: asked, answered
    minerals: tuple[MineralSummary, ...]

    def as_json(self) -> dict[str, Any]:
        """The documented `minerals --json` object."""
        return {
            "campaign": self.year,
            "as_of": self.as_of.isoformat(),
            "templates": self.templates,
            "minerals": [m.as_json() for m in self.minerals],
        }


def minerals_report(
    connection: Connection, campaign: Campaign, as_of: dt.date, status_of: StatusOf | None = None
) -> MineralsReport:
    """Build the extended-minerals summary from the stored rows of the campaign's current EMRT, CRT and AMRT."""
    current = current_extended(connection, campaign.id)
    ids = sorted({i for found in current.values() for i in found})
    answered, used = _declared(connection, ids)
    rows = mineral_rows(connection, ids)
    mines = mine_countries(connection, ids)
    minerals = sorted({*answered, *(row.mineral for row in rows if row.mineral)}, key=str.casefold)
    summaries = []
    for mineral in minerals:
        facilities: dict[str, StoredMineralRow] = {}
        for row in rows:
            if row.mineral.casefold() == mineral.casefold():
                facilities.setdefault(row.facility_key, row)
        by_status = Counter(_status(mineral, row, as_of, status_of) for row in facilities.values())
        countries = Counter(plain_country_name(row.country) or "not given" for row in facilities.values())
        summaries.append(
            MineralSummary(
                mineral,
                answered.get(mineral, 0),
                used.get(mineral, 0),
                len(facilities),
                dict(sorted(by_status.items())),
                dict(countries.most_common()),
                dict(sorted(mines.get(mineral, {}).items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    return MineralsReport(campaign.year, as_of, _per_template(connection, campaign), tuple(summaries))


def _status(mineral: str, row: StoredMineralRow, as_of: dt.date, status_of: StatusOf | None) -> str:
    if not row.smelter_id:
        return UNKNOWN_ID if row.given_id else NOT_IDENTIFIED
    if status_of is None:
        return NO_LIST
    return status_of(mineral, row.smelter_id, as_of) or NO_LIST


def _declared(connection: Connection, ids: Sequence[int]) -> tuple[Counter[str], Counter[str]]:
    """Per mineral: how many current files answer Q1 for it, and how many say it is used."""
    answered: Counter[str] = Counter()
    used: Counter[str] = Counter()
    for start in range(0, len(ids), 500):
        query = select(answers.c.metal, answers.c.value).where(
            answers.c.submission_id.in_(list(ids[start : start + 500])), answers.c.question == "Q1"
        )
        for mineral, value in connection.execute(query):
            if mineral:
                answered[mineral] += 1
                used[mineral] += (value or "").casefold() == "yes"
    return answered, used


def _per_template(connection: Connection, campaign: Campaign) -> dict[str, dict[str, int]]:
    query = (
        select(requests.c.template_type, requests.c.state, func.count())
        .where(requests.c.campaign_id == campaign.id, requests.c.template_type != "CMRT")
        .group_by(requests.c.template_type, requests.c.state)
    )
    found: dict[str, dict[str, int]] = {t: {"asked": 0, "answered": 0} for t in campaign.templates if t != "CMRT"}
    for template, state, count in connection.execute(query):
        figures = found.setdefault(template, {"asked": 0, "answered": 0})
        figures["asked"] += count
        figures["answered"] += count if RequestState(state) in RESPONDED else 0
    return found


def as_markdown(report: MineralsReport) -> str:
    """The summary as a Markdown document (for the file and for the terminal)."""
    lines = [
        f"# Extended minerals summary, {report.year}",
        "",
        f"Facility status as of {report.as_of.isoformat()}.",
        "",
    ]
    for template, figures in report.templates.items():
        lines.append(f"- {template}: {figures['answered']} of {figures['asked']} supplier(s) answered")
    if not report.minerals:
        lines += ["", "No EMRT, CRT or AMRT answers are stored for this campaign."]
    for item in report.minerals:
        lines += [
            "",
            f"## {markdown_text(item.mineral)}",
            "",
            f"- Suppliers answering for it: {item.suppliers_answered}; declaring it used: {item.declared_used}",
            f"- Facilities named: {item.facilities}",
        ]
        lines += [f"  - {label}: {count}" for label, count in item.by_status.items()]
        if item.countries:
            lines.append(
                "- Facility countries: " + ", ".join(f"{markdown_text(c)} ({n})" for c, n in item.countries.items())
            )
        if item.mines_by_country:
            lines.append(
                "- Mines declared: " + ", ".join(f"{markdown_text(c)} ({n})" for c, n in item.mines_by_country.items())
            )
    return "\n".join(lines) + "\n"
