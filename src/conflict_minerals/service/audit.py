"""The audit trail as rows: the `log --json` item, and the CSV that `log --csv` and the web both export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from conflict_minerals.neutral import spreadsheet_text
from conflict_minerals.program.audit import Event

CSV_COLUMNS = ("at", "actor", "kind", "campaign", "supplier", "submission", "reason", "detail")


def event_json(event: Event) -> dict[str, Any]:
    """The documented `log --json` item of an event."""
    return {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "campaign": event.campaign_year,
        "supplier": event.supplier,
        "submission": event.submission_id,
        "detail": event.detail,
        "reason": event.reason,
    }


def events_csv(found: list[Event]) -> str:
    """The events as CSV text, every cell neutral to a spreadsheet (no formula runs when it is opened)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in found:
        row = event_json(event)
        values = {**row, "detail": json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)}
        writer.writerow([spreadsheet_text("" if values[c] is None else str(values[c])) for c in CSV_COLUMNS])
    return buffer.getvalue()
