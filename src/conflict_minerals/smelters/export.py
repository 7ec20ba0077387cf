"""The documented JSON and CSV shapes of `smelters` and `smelters match`."""

from __future__ import annotations

import csv
import io
from typing import Any

from conflict_minerals.neutral import spreadsheet_text
from conflict_minerals.smelters.consolidate import ConsolidatedFacility, Consolidation, RowOutcome
from conflict_minerals.smelters.matching import SmelterMatch

CSV_COLUMNS = (
    "smelter_id",
    "metal",
    "name",
    "country",
    "status",
    "status_label",
    "covered_country",
    "cahra",
    "in_africa",
    "suppliers",
    "sources",
)


def facility_to_json(facility: ConsolidatedFacility) -> dict[str, Any]:
    """Return one consolidated facility as JSON."""
    return {
        "smelter_id": facility.smelter_id,
        "metal": facility.metal.value if facility.metal else None,
        "name": facility.name,
        "country": facility.country,
        "country_code": facility.country_code,
        "status": facility.status.value,
        "status_label": facility.status_label,
        "status_list": facility.status_list,
        "match_methods": [method.value for method in facility.methods],
        "suppliers": list(facility.suppliers),
        "sources": [{"file": s.file, "row": s.row} for s in facility.sources],
        "covered_country": facility.covered_country,
        "cahra": facility.cahra,
        "in_africa": facility.in_africa,
    }


def outcome_to_json(outcome: RowOutcome) -> dict[str, Any]:
    """Return an unmatched or rejected row as JSON."""
    return {
        "file": outcome.source.file,
        "row": outcome.source.row,
        "supplier": outcome.source.supplier,
        "metal": outcome.metal.value if outcome.metal else None,
        "name": outcome.name,
        "country": outcome.country,
        "method": outcome.method.value,
        "reason": outcome.reason,
    }


def consolidation_to_json(result: Consolidation, status_lists: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the documented `smelters --json` object."""
    return {
        "as_of": result.as_of,
        "status_lists": status_lists,
        "facilities": [facility_to_json(f) for f in result.facilities],
        "counts": result.counts(),
        "unmatched": [outcome_to_json(o) for o in result.unmatched],
        "rejected": [outcome_to_json(o) for o in result.rejected],
    }


def consolidation_to_csv(result: Consolidation) -> str:
    """Return one CSV line per facility."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for facility in result.facilities:
        data = facility_to_json(facility)
        data["suppliers"] = "; ".join(facility.suppliers)
        data["sources"] = "; ".join(f"{s.file}#{s.row}" for s in facility.sources)
        writer.writerow([spreadsheet_text(data[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def match_to_json(match: SmelterMatch, query: dict[str, Any]) -> dict[str, Any]:
    """Return one `smelters match` result."""
    return {
        "input": query,
        "smelter_id": match.smelter_id,
        "standard_name": match.standard_name,
        "country": match.country,
        "matched_metal": match.metal.value if match.metal else None,
        "method": match.method.value,
        "confidence": match.confidence,
        "reason": match.reason,
        "problems": list(match.problems),
        "candidates": [
            {"smelter_id": c.smelter_id, "name": c.name, "country": c.country, "score": c.score}
            for c in match.candidates
        ],
    }
