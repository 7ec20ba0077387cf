"""The smelters stage as one call: read files, grow the reference, match, consolidate."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.model import CmrtDocument
from conflict_minerals.reference.status import StatusSnapshot
from conflict_minerals.reference.store import ReferenceSource
from conflict_minerals.smelters.consolidate import Consolidation, consolidate
from conflict_minerals.smelters.matching import Matcher
from conflict_minerals.smelters.status_book import StatusBook

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmelterRun:
    """What a consolidation used and produced."""

    consolidation: Consolidation
    status_book: StatusBook


def run_consolidation(
    documents: Sequence[CmrtDocument],
    store: ReferenceSource,
    as_of: dt.date,
    extra_status: Sequence[StatusSnapshot] = (),
    cahra: frozenset[str] | None = None,
) -> SmelterRun:
    """Consolidate the documents' smelters against the trusted reference and every status list.

    A supplier's own look-up served to read its file; it never names or places facilities here.
    """
    reference = store.reference()
    book = StatusBook.build([*store.status_snapshots(), *extra_status], as_of)
    result = consolidate(documents, Matcher(reference), book, cahra if cahra is not None else store.cahra())
    return SmelterRun(result, book)


def read_cahra_codes(rows: Sequence[Sequence[object]]) -> list[str]:
    """Return the ISO codes of the countries a CAHRA list names (any column that holds countries)."""
    from conflict_minerals.reference.countries import resolve_country

    codes = []
    for row in rows:
        for cell in row:
            country = resolve_country(str(cell)) if isinstance(cell, str) and len(cell) > 2 else None
            if country:
                codes.append(country.code)
                break
    return codes


def status_list_summary(book: StatusBook) -> list[dict[str, object]]:
    """Describe the status lists a consolidation used."""
    return [
        {"source": s.source, "as_of": s.as_of.isoformat(), "list": s.list_kind, "entries": len(s.entries)}
        for s in book.snapshots
    ]


def path_kind(path: Path) -> str | None:
    """Guess a list's kind from its file name ('...conformant...', '...active...')."""
    name = path.name.casefold()
    if "conformant" in name and "non" not in name:
        return "conformant"
    if "active" in name:
        return "active"
    return None
