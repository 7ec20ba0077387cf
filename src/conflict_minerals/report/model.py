"""The report model: every figure of the filing, the Annex, and the records each figure came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conflict_minerals.model import DECLARATION_METAL_ORDER
from conflict_minerals.program.settings import CompanySettings

METALS = tuple(metal.value for metal in DECLARATION_METAL_ORDER)  # the report is 3TG-only, in the form's order
STATUS_WORDS = {
    "conformant": "Conformant",
    "active": "Active",
    "not_conformant": "Not conformant",
    "not_listed": "Not listed",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One record behind a figure: a supplier file and, for facilities, the row and Smelter ID."""

    supplier: str
    file: str | None = None
    row: int | None = None
    smelter_id: str | None = None
    facility: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the record as JSON."""
        return {
            k: v
            for k, v in (
                ("supplier", self.supplier),
                ("file", self.file),
                ("row", self.row),
                ("smelter_id", self.smelter_id),
                ("facility", self.facility),
            )
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class AnnexRow:
    """One line of Annex I."""

    metal: str
    smelter_id: str | None
    name: str
    country: str
    status: str  # bucket
    status_label: str

    def as_json(self) -> dict[str, Any]:
        """Return the row as JSON."""
        return {
            "metal": self.metal,
            "smelter_id": self.smelter_id,
            "name": self.name,
            "country": self.country,
            "status": self.status,
            "status_label": self.status_label,
        }


@dataclass(frozen=True, slots=True)
class RiskNote:
    """The risk assessment of a facility that is not on any RMI list."""

    name: str
    metal: str
    country: str
    risk: str
    reason: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Year over year: what changed since the previous period."""

    previous: int
    suppliers_added: tuple[str, ...]
    suppliers_dropped: tuple[str, ...]
    facilities_added: tuple[str, ...]
    facilities_removed: tuple[str, ...]
    status_changes: tuple[tuple[str, str, str], ...]  # facility, before, after
    source: str = ""  # what the earlier period's figures come from: "report run 3", "imported filing x.htm"
    suppliers_known: bool = True  # an imported filing names no suppliers
    statuses_compared: bool = True  # both periods had a status list

    def as_json(self) -> dict[str, Any]:
        """Return the comparison as JSON."""
        return {
            "previous_period": self.previous,
            "baseline": self.source,
            "suppliers_known": self.suppliers_known,
            "statuses_compared": self.statuses_compared,
            "suppliers_added": list(self.suppliers_added),
            "suppliers_dropped": list(self.suppliers_dropped),
            "facilities_added": list(self.facilities_added),
            "facilities_removed": list(self.facilities_removed),
            "status_changes": [{"facility": f, "before": b, "after": a} for f, b, a in self.status_changes],
        }


@dataclass(frozen=True, slots=True)
class Origin:
    """What is known of where the 3TG was mined: the source of the information and the countries per metal."""

    source: str  # "suppliers" (declared mine countries) or "none"
    countries: dict[str, tuple[str, ...]]  # metal -> country names as people write them
    rows_with_country: int  # facility rows that named a mine country
    rows: int  # facility rows in all
    covered: tuple[str, ...]  # declared mine countries that are Covered Countries
    unrecognised: int  # rows whose mine country is no country we know (left out of the list)

    def as_json(self) -> dict[str, Any]:
        """Return the origin as JSON."""
        return {
            "source": self.source,
            "countries": {metal: list(names) for metal, names in self.countries.items()},
            "rows_with_country": self.rows_with_country,
            "rows": self.rows,
            "covered_countries": list(self.covered),
            "unrecognised": self.unrecognised,
        }


@dataclass
class ReportModel:
    """Everything a filing says, computed before any rendering."""

    period: int
    as_of: dt.date
    generated: dt.date
    company: CompanySettings
    figures: dict[str, int | float] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # supplier figures: the suppliers counted
    members: dict[str, list[str]] = field(default_factory=dict)  # facility figures: the facility keys counted
    facilities: dict[str, Any] = field(default_factory=dict)  # key -> ConsolidatedFacility (this run only)
    run_id: int | None = None
    inputs: list[tuple[int, str]] = field(default_factory=list)  # (submission, supplier of record) counted
    inputs_digest: str | None = None  # what the inputs were, in the same read as the figures
    annex: list[AnnexRow] = field(default_factory=list)
    risk_notes: list[RiskNote] = field(default_factory=list)
    working_papers: dict[str, Any] = field(default_factory=dict)
    comparison: Comparison | None = None
    status_lists: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)
    signature_date: dt.date | None = None
    origin: Origin | None = None
    draft: bool = False

    @property
    def period_start(self) -> dt.date:
        """First day of the reporting period."""
        return dt.date(self.period, 1, 1)

    @property
    def period_end(self) -> dt.date:
        """Last day of the reporting period."""
        return dt.date(self.period, 12, 31)

    def figure(self, name: str) -> int | float:
        """Return a figure by its dotted name, e.g. 'facilities.conformant'."""
        return self.figures[name]

    def set(self, name: str, value: int | float, evidence: list[Evidence] | None = None) -> None:
        """Record a supplier figure and the records it was computed from."""
        self.figures[name] = value
        self.evidence[name] = evidence or []

    def set_facilities(self, name: str, facilities: Sequence[Any]) -> None:
        """Record a facility figure: the count and the facilities (their rows are found from them)."""
        self.figures[name] = len(facilities)
        self.members[name] = [f.key for f in facilities]

    def evidence_for(self, name: str) -> list[Evidence]:
        """Return the records behind a figure: suppliers, or each facility's supplier rows."""
        if name in self.evidence:
            return self.evidence[name]
        return [
            Evidence(s.supplier, s.file, s.row, f.smelter_id, f.name)
            for f in (self.facilities[key] for key in self.members.get(name, []))
            for s in f.sources
        ]

    def evidence_counts(self) -> dict[str, int]:
        """Return how many records stand behind each figure."""
        counts = {name: len(records) for name, records in self.evidence.items()}
        for name, keys in self.members.items():
            counts[name] = sum(len(self.facilities[key].sources) for key in keys) if self.facilities else len(keys)
        return counts

    def as_json(self) -> dict[str, Any]:
        """Return the documented report.json object."""
        f = self.figures
        counts = ("total", "conformant", "active", "not_conformant", "not_listed")
        return {
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "company": {"name": self.company.legal_name, "sec_file_number": self.company.sec_file_number},
            "suppliers": {
                key: f[f"suppliers.{key}"]
                for key in (
                    "surveyed",
                    "responded",
                    "response_rate",
                    "no_3tg",
                    "no_covered_country_sourcing",
                    "denial_contradicted",
                    "out_of_scope",
                    "company_level",
                    "product_level",
                    "user_defined",
                    "incomplete",
                    "escalated",
                    "under_review",
                )
            },
            "facilities": {
                **{key: f[f"facilities.{key}"] for key in counts},
                "by_metal": {
                    metal: {key: f[f"facilities.by_metal.{metal}.{key}"] for key in counts} for metal in METALS
                },
                "in_covered_countries": f["facilities.in_covered_countries"],
                "in_cahras": f["facilities.in_cahras"],
                "in_africa": f["facilities.in_africa"],
            },
            "annex": [row.as_json() for row in self.annex],
            "origin": self.origin.as_json() if self.origin else None,
            "signature_date": self.signature_date.isoformat() if self.signature_date else None,
            "draft": self.draft,
            "not_listed_facilities": [
                {"name": n.name, "metal": n.metal, "country": n.country, "risk": n.risk, "reason": n.reason}
                for n in self.risk_notes
            ],
            "status_lists": self.status_lists,
            "evidence": {
                "report_run": self.run_id,
                "explain": f"conflict-minerals report explain FIGURE --period {self.period}"
                + (f" --run {self.run_id}" if self.run_id else ""),
                "records": self.evidence_counts(),
            },
            "working_papers": self.working_papers,
            "comparison": self.comparison.as_json() if self.comparison else None,
        }
