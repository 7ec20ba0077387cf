"""Read only the Smelter Look-up of an RMI template (CMRT or EMRT) as a dated reference list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.container import open_container
from conflict_minerals.cmrt.detect import find_version, lookup_list_date, template_type
from conflict_minerals.cmrt.grid import Workbook
from conflict_minerals.cmrt.lookup import read_lookup
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import LookupEntry


@dataclass(frozen=True, slots=True)
class LookupSheet:
    """The smelter reference facts one template revision carries."""

    template: str
    version: str
    list_date: dt.date | None
    entries: tuple[LookupEntry, ...]


def read_lookup_sheet(path: str | Path) -> LookupSheet:
    """Read the template type, revision, list date and Smelter Look-up of any RMI template."""
    book = Workbook(open_container(path))
    declaration = book.sheet(layout.DECLARATION, max_rows=10)
    lookup_grid = book.sheet(layout.SMELTER_LOOKUP)
    if declaration is None or lookup_grid is None:
        raise UnreadableFileError(
            str(path), UnreadableKind.NOT_CMRT, "this workbook has no Smelter Look-up sheet to import."
        )
    template = template_type(book)
    version = find_version(book, declaration) or "unknown"
    entries, _ = read_lookup(lookup_grid)
    return LookupSheet(template, version, lookup_list_date(book.sheet(layout.REVISION), version), entries)
