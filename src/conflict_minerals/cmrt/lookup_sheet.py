"""Read only the Smelter Look-up of an RMI template (CMRT, EMRT, CRT or AMRT) as a dated reference list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.container import open_container
from conflict_minerals.cmrt.detect import find_version, lookup_list_date, template_type
from conflict_minerals.cmrt.grid import Workbook
from conflict_minerals.cmrt.lookup import read_lookup, read_mineral_lookup
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import LookupEntry, MineralLookupEntry

MAX_LOOKUP_ROWS = 50_000  # RMI's largest look-up has under 700 rows


@dataclass(frozen=True, slots=True)
class LookupSheet:
    """The smelter reference facts one template revision carries: 3TG entries, and those of other minerals."""

    template: str
    version: str
    list_date: dt.date | None
    entries: tuple[LookupEntry, ...]
    minerals: tuple[MineralLookupEntry, ...] = ()

    @property
    def mineral_names(self) -> tuple[str, ...]:
        """The minerals the look-up lists facilities for, 3TG included, in sheet order."""
        names = [e.metal.value for e in self.entries] + [e.mineral for e in self.minerals]
        return tuple(dict.fromkeys(names))


def read_lookup_sheet(path: str | Path) -> LookupSheet:
    """Read the template type, revision, list date and Smelter Look-up of any RMI template."""
    book = Workbook(open_container(path))
    declaration = book.sheet(layout.DECLARATION, max_rows=10)
    lookup_grid = book.sheet(layout.SMELTER_LOOKUP)
    if declaration is None or lookup_grid is None:
        raise UnreadableFileError(
            str(path), UnreadableKind.NOT_CMRT, "this workbook has no Smelter Look-up sheet to import."
        )
    if lookup_grid.last_row > MAX_LOOKUP_ROWS:
        raise UnreadableFileError(
            str(path), UnreadableKind.TOO_LARGE, f"the Smelter Look-up has more than {MAX_LOOKUP_ROWS:,} rows."
        )
    template = template_type(book)
    version = find_version(book, declaration) or "unknown"
    entries, _ = read_lookup(lookup_grid)
    minerals = read_mineral_lookup(lookup_grid) if template != "CMRT" else ()
    return LookupSheet(template, version, lookup_list_date(book.sheet(layout.REVISION), version), entries, minerals)
