"""Tell the template type, revision and display language from workbook content, never the file name."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.grid import Grid, Workbook
from conflict_minerals.cmrt.values import clean_text, fold
from conflict_minerals.errors import UnreadableFileError, UnreadableKind

# CMRT, EMRT 2.x: "Standard Smelter List as of March 5, 2025"; EMRT 1.x: "smelter lists for cobalt and mica as of ..."
_AS_OF = re.compile(r"smelter lists?\b[^.]*?\bas of ([A-Z][a-z]+ \d{1,2}, \d{4})", re.IGNORECASE)
_REVISION = re.compile(r"^\s*(?:Revision|Version)\s+([0-9]+(?:\.[0-9]+){0,2}[a-z]?)", re.IGNORECASE)

# Revision!B3 literal -> template type (cmrt-format.md §2.2).
_TYPE_TITLES = {
    "conflict minerals reporting template": "CMRT",
    "extended mineral reporting template": "EMRT",
    "extended minerals reporting template": "EMRT",
    "cobalt reporting template": "CRT",
    "additional minerals reporting template": "AMRT",
    "pilot reporting template": "AMRT",
}
_TYPE_NAMES = {
    "EMRT": "an Extended Minerals Reporting Template (EMRT, cobalt/mica and other minerals)",
    "CRT": "a Cobalt Reporting Template (CRT)",
    "AMRT": "an Additional Minerals Reporting Template (AMRT)",
}


@dataclass(frozen=True, slots=True)
class Detected:
    """What the workbook says it is."""

    type: str
    version: str
    language: str | None


def detect(book: Workbook, declaration: Grid) -> Detected:
    """Detect type, revision and language, or raise the error a person can act on."""
    kind = template_type(book)
    if kind != "CMRT":
        raise UnreadableFileError(
            book.path,
            UnreadableKind.UNSUPPORTED_TEMPLATE,
            f"this is {_TYPE_NAMES[kind]}, not a CMRT; campaigns take CMRTs so far (`inspect` reads it).",
        )
    version = find_version(book, declaration)
    if version is None:
        raise UnreadableFileError(
            book.path,
            UnreadableKind.NOT_CMRT,
            "the workbook looks like a CMRT but states no revision; ask the supplier to use the RMI template.",
        )
    if not version.startswith("6."):
        raise UnreadableFileError(
            book.path,
            UnreadableKind.UNSUPPORTED_REVISION,
            f"CMRT revision {version} is not supported; ask the supplier to resubmit on CMRT "
            f"{layout.NEWEST_CMRT_VERSION} (revisions 6.01 to {layout.NEWEST_CMRT_VERSION} are read).",
        )
    language = clean_text(declaration.cell(layout.LANGUAGE_CELL), zero_is_empty=True)
    return Detected("CMRT", version, language)


def template_type(book: Workbook) -> str:
    """Return CMRT, EMRT, CRT or AMRT from Revision!B3, else from the workbook's structure."""
    revision = book.sheet(layout.REVISION)  # small; read whole once, the list date needs it later
    if revision is not None:
        title = clean_text(revision.cell("B3"))
        found = _TYPE_TITLES.get(fold(title)) if title else None
        if found:
            return found
    if book.has_sheet("Minerals Scope"):
        return "AMRT"
    if book.has_sheet("Mine List"):
        return "EMRT"
    smelters = book.sheet(layout.SMELTER_LIST, max_rows=5)
    if smelters is not None and book.has_sheet(layout.DECLARATION):
        metals = {fold(str(smelters.cell(f"{col}3"))) for col in ("W", "X", "Y", "Z", "AA", "AB")}
        if "cobalt" in metals:
            return "EMRT" if "mica" in metals else "CRT"
        return "CMRT"
    raise UnreadableFileError(
        book.path,
        UnreadableKind.NOT_CMRT,
        "this workbook is not a CMRT (no Declaration and Smelter List sheets); ask the supplier for the RMI CMRT.",
    )


def find_version(book: Workbook, declaration: Grid) -> str | None:
    """Return the revision from Declaration!J3, else Smelter List!Q3, else the Revision table."""
    found = parse_revision(declaration.cell(layout.REVISION_CELL))
    if found:
        return found
    smelters = book.sheet(layout.SMELTER_LIST, max_rows=5)
    if smelters is not None:
        for row in range(1, 6):
            found = parse_revision(smelters.cell(f"{layout.SMELTER_LIST_REVISION_COLUMN}{row}"))
            if found:
                return found
    return _version_from_history(book.sheet(layout.REVISION))


def parse_revision(value: object) -> str | None:
    """Return '6.5' from a cell reading 'Revision 6.5\nApril 25, 2025', or None."""
    text = clean_text(value)
    match = _REVISION.match(text) if text else None
    return match.group(1) if match else None


def _version_from_history(revision: Grid | None) -> str | None:
    """Return the last revision number of the Revision sheet's table (rows 13 on)."""
    if revision is None:
        return None
    last: str | None = None
    for row in range(13, revision.last_row + 1):
        value = revision.cell(f"B{row}")
        if isinstance(value, float):
            last = f"{value:g}"
        elif isinstance(value, str) and re.fullmatch(r"\d+\.\d+(?:\.\d+)?[a-z]?", value.strip()):
            last = value.strip()
    return last


def lookup_list_date(revision: Grid | None, version: str) -> dt.date | None:
    """Find 'Standard Smelter List as of <date>' on the Revision sheet row of this version."""
    if revision is None:
        return None
    for number in range(revision.last_row, 12, -1):
        label = revision.cell(f"B{number}")
        shown = f"{label:g}" if isinstance(label, float) else str(label).strip()
        if shown != version:
            continue
        match = _AS_OF.search(str(revision.cell(f"F{number}")))
        if match:
            return dt.datetime.strptime(match.group(1), "%B %d, %Y").date()
    return None
