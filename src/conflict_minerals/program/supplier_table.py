"""Supplier lists as ERP systems export them: the header row found under a title, its columns by their synonyms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Our column -> the headings ERP and procurement exports use for it (compared without case, spaces or punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "supplier", "supplier name", "vendor", "vendor name", "company", "company name", "legal name",
        "supplier legal name", "business name", "name 1", "name1", "lieferant", "fournisseur", "proveedor",
    ),
    "unique_id": (
        "unique id", "uniqueid", "duns", "duns number", "duns no", "d u n s", "d-u-n-s", "duns #", "lei",
        "supplier id", "vendor id", "supplier number", "vendor number", "vendor no", "supplier no",
    ),
    "unique_id_authority": ("unique id authority", "authority", "id authority", "id type"),
    "contact_name": ("contact name", "contact", "contact person", "contact full name", "ansprechpartner"),
    "contact_email": (
        "contact email", "email", "e mail", "e-mail", "email address", "e-mail address", "mail", "contact e-mail",
    ),
    "tier": ("tier", "supplier tier"),
    "aliases": ("aliases", "alias", "also known as", "aka", "other names", "trade names"),
    "language": ("language", "lang", "preferred language", "correspondence language", "sprache"),
    "active": ("active", "is active"),
}  # fmt: skip
DUNS_HEADINGS = frozenset({"duns", "dunsnumber", "dunsno", "duns#"})
HEADER_SEARCH_ROWS = 15


def _plain(text: object) -> str:
    return re.sub(r"[\s_\-.:#/()]+", "", str(text or "").casefold())


_LOOKUP = {_plain(heading): column for column, headings in SYNONYMS.items() for heading in headings}


@dataclass(frozen=True, slots=True)
class SupplierHeader:
    """Where the header is and what each column means."""

    row: int  # index of the header row in the table
    columns: tuple[str | None, ...]  # our column name per position, None when not understood
    unknown: tuple[str, ...]  # headings we did not understand
    duns: bool  # the unique ID column is headed DUNS (so the authority is DUNS)


def find_header(rows: Sequence[Sequence[object]]) -> SupplierHeader | None:
    """The first row among the first few that names a supplier-name column; None when there is none."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = [_LOOKUP.get(_plain(cell)) if str(cell or "").strip() else None for cell in row]
        if "name" not in columns:
            continue
        seen: set[str] = set()
        unique: list[str | None] = []
        for column in columns:  # a second column with the same meaning is ignored, not merged
            unique.append(column if column and column not in seen else None)
            seen.add(column or "")
        unknown = tuple(
            str(cell).strip()
            for cell, column in zip(row, columns, strict=False)
            if str(cell or "").strip() and not column
        )
        duns = any(_plain(cell) in DUNS_HEADINGS for cell in row)
        return SupplierHeader(index, tuple(unique), unknown, duns)
    return None


HEADER_HINT = "a header row with a supplier name column (name, supplier name, vendor name, company, …)"
