"""Read the Smelter List and Product List, resolving each row against the file's own look-up."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.grid import Grid, column_index
from conflict_minerals.cmrt.lookup import LookupIndex
from conflict_minerals.cmrt.values import clean_text, fold, looks_like_smelter_id, normalize_smelter_id, parse_metal
from conflict_minerals.model import Finding, LookupEntry, Metal, Product, Severity, SmelterRow, SourceRef

_COLUMNS = {name: column_index(letter) for name, letter in layout.SMELTER_COLUMNS.items()}
_NOT_LISTED = fold(layout.NOT_LISTED)
_NOT_YET_IDENTIFIED = fold(layout.NOT_YET_IDENTIFIED)
_PROMPT_SOURCE = fold("Enter smelter details")
_REVISION = re.compile(r"^\s*Revision\s+\d", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Raw:
    """The cleaned text of one Smelter List row, by field name."""

    number: int
    text: dict[str, str | None]
    metal: Metal | None
    id_input: object


def read_smelter_list(
    grid: Grid | None, index: LookupIndex, source: SourceRef, match_special_names: bool
) -> tuple[tuple[SmelterRow, ...], list[Finding]]:
    """Read every non-empty Smelter List row; problems become findings, never exceptions."""
    if grid is None:
        return (), [
            Finding(source.at(layout.SMELTER_LIST), "CMRT-S-000", Severity.ERROR, "The Smelter List sheet is missing.")
        ]
    rows: list[SmelterRow] = []
    findings: list[Finding] = []
    first = header_row(grid) + 1
    last = min(grid.last_row, first + layout.MAX_SMELTER_ROWS - 1)
    for number in range(first, last + 1):
        raw = _raw(number, grid.row(number))
        if raw is None:
            continue
        row, row_findings = _resolve(raw, index, source, match_special_names)
        rows.append(row)
        findings += row_findings
    if grid.last_row > last:
        message = f"Only the first {layout.MAX_SMELTER_ROWS:,} smelter rows were read; the sheet has more."
        findings.append(Finding(source.at(layout.SMELTER_LIST), "CMRT-S-008", Severity.WARNING, message))
    return tuple(rows), findings


def header_row(grid: Grid) -> int:
    """Find the header row: below the revision banner, or above the first row that holds data."""
    for number in range(1, 11):
        if _REVISION.match(str(grid.cell(f"{layout.SMELTER_LIST_REVISION_COLUMN}{number}"))):
            return number + 1
    for number in range(1, 11):
        values = grid.row(number)
        cells = [values[i] if i < len(values) else "" for i in range(3)]
        special = fold(str(cells[2])) in (_NOT_LISTED, _NOT_YET_IDENTIFIED)
        if looks_like_smelter_id(cells[0]) or parse_metal(cells[1]) is not None or special:
            return min(number - 1, layout.SMELTER_HEADER_ROW)
    return layout.SMELTER_HEADER_ROW


def _raw(number: int, values: Sequence[object]) -> _Raw | None:
    def get(name: str) -> object:
        col = _COLUMNS[name]
        return values[col] if col < len(values) else ""

    head = values[:5]
    if not any(head) or not any(clean_text(value) for value in head):
        return None  # most of the 2,500 template rows are empty: skip them before cleaning every column
    text = {name: clean_text(get(name)) for name in _COLUMNS}
    if not any(text[name] for name in ("smelter_id_input", "metal", "lookup_name", "name", "country")):
        return None
    return _Raw(number, text, parse_metal(get("metal")), get("smelter_id_input"))


def _resolve(
    raw: _Raw, index: LookupIndex, source: SourceRef, match_special_names: bool
) -> tuple[SmelterRow, list[Finding]]:
    text = raw.text
    where = _RowRef(source, raw.number)
    findings: list[Finding] = []
    special = fold(text["lookup_name"] or "")
    not_listed = special == _NOT_LISTED
    not_yet = special == _NOT_YET_IDENTIFIED
    entry, typed_id = _by_id_input(raw, index, where, findings)
    if entry is None and typed_id is None and text["lookup_name"] and not (not_listed or not_yet):
        entry = index.find_alias(raw.metal, text["lookup_name"])
        if entry is None and raw.metal is not None and index.by_alias:
            findings.append(_unknown_lookup_name(where, raw))
    elif entry is not None and text["lookup_name"] and not (not_listed or not_yet):
        _check_name_agrees(entry, raw, where, findings, index)
    if entry is None and (not_listed or not_yet) and match_special_names:
        entry = index.find_alias(raw.metal, text["name"])  # 6.22+ formulas resolve a typed alias
    entry, typed_id = _by_cached_id(entry, typed_id, raw, index, where, findings)
    if entry is not None and raw.metal is not None and raw.metal is not entry.metal:
        findings.append(_metal_mismatch(where, raw, entry))
    if raw.metal is None and entry is None:
        findings.append(
            Finding(where("B"), "CMRT-S-006", Severity.ERROR, f"Row {raw.number} has no metal; choose one in column B.")
        )
    if not_listed and entry is None and not (text["name"] and text["country"]):
        findings.append(_not_listed_incomplete(where, raw))
    return _row(raw, entry, typed_id, not_listed, not_yet), findings


@dataclass(frozen=True, slots=True)
class _RowRef:
    """Points findings of one Smelter List row at a column."""

    source: SourceRef
    number: int

    def __call__(self, column: str) -> SourceRef:
        return self.source.at(layout.SMELTER_LIST, f"{column}{self.number}")


def _by_id_input(
    raw: _Raw, index: LookupIndex, where: _RowRef, findings: list[Finding]
) -> tuple[LookupEntry | None, str | None]:
    typed = raw.text["smelter_id_input"]
    if typed is None:
        return None, None
    smelter_id = normalize_smelter_id(raw.id_input)
    if smelter_id is None:
        message = f"'{typed}' in column A is not a Smelter ID (CID followed by six digits)."
        findings.append(Finding(where("A"), "CMRT-S-002", Severity.ERROR, message))
        return None, None
    entry = index.by_id.get(smelter_id)
    if entry is None and index.by_id:
        message = f"Smelter ID {smelter_id} is not in this template's Smelter Look-up; check the ID."
        findings.append(Finding(where("A"), "CMRT-S-001", Severity.WARNING, message))
    return entry, smelter_id


def _by_cached_id(
    entry: LookupEntry | None,
    typed_id: str | None,
    raw: _Raw,
    index: LookupIndex,
    where: _RowRef,
    findings: list[Finding],
) -> tuple[LookupEntry | None, str | None]:
    """Use column F (formula result or a typed value) when nothing else identified the row."""
    shown = normalize_smelter_id(raw.text["smelter_id"])
    if shown is None:
        return entry, typed_id
    if entry is not None and shown != entry.smelter_id:
        message = (
            f"Column F shows {shown} but the row names {entry.smelter_id} ({entry.standard_name}); fix one of them."
        )
        findings.append(Finding(where("F"), "CMRT-S-007", Severity.ERROR, message))
        return entry, typed_id
    if entry is None and typed_id is None:
        return index.by_id.get(shown), shown
    return entry, typed_id


def _check_name_agrees(
    entry: LookupEntry, raw: _Raw, where: _RowRef, findings: list[Finding], index: LookupIndex
) -> None:
    name = raw.text["lookup_name"] or ""
    if fold(name) in (fold(entry.standard_name), fold(entry.lookup_name)):
        return
    alias = index.by_alias.get((entry.metal, fold(name)))
    if alias is not None and alias.smelter_id == entry.smelter_id:  # another of the ID's own names
        return
    message = (
        f"Smelter ID {entry.smelter_id} is {entry.standard_name}, but column C names '{name}'; "
        "correct the ID or the name."
    )
    findings.append(Finding(where("C"), "CMRT-S-007", Severity.ERROR, message))


def _unknown_lookup_name(where: _RowRef, raw: _Raw) -> Finding:
    message = (
        f"'{raw.text['lookup_name']}' is not a {raw.metal} smelter in this template's look-up list; choose a name "
        "from the drop-down, or 'Smelter not listed' and enter its name and country."
    )
    return Finding(where("C"), "CMRT-S-004", Severity.ERROR, message)


def _metal_mismatch(where: _RowRef, raw: _Raw, entry: LookupEntry) -> Finding:
    message = (
        f"Row {raw.number} says {raw.metal}, but {entry.smelter_id} ({entry.standard_name}) is a {entry.metal} smelter."
    )
    return Finding(where("B"), "CMRT-S-003", Severity.ERROR, message)


def _not_listed_incomplete(where: _RowRef, raw: _Raw) -> Finding:
    column = "D" if not raw.text["name"] else "E"
    message = f"Row {raw.number} is 'Smelter not listed' but lacks the smelter's name (D) or country (E)."
    return Finding(where(column), "CMRT-S-005", Severity.ERROR, message)


def _row(raw: _Raw, entry: LookupEntry | None, typed_id: str | None, not_listed: bool, not_yet: bool) -> SmelterRow:
    text = raw.text
    source_text = text["id_source"] if fold(text["id_source"] or "") != _PROMPT_SOURCE else None
    common = dict(
        row=raw.number,
        lookup_name=text["lookup_name"],
        street=text["street"],
        contact_name=text["contact_name"],
        contact_email=text["contact_email"],
        next_steps=text["next_steps"],
        mine_name=text["mine_name"],
        mine_country=text["mine_country"],
        recycled_scrap=text["recycled_scrap"],
        comments=text["comments"],
        not_listed=not_listed,
        not_yet_identified=not_yet,
        entered_name=text["name"],
        entered_country=text["country"],
    )
    if entry is not None:
        if raw.text["smelter_id_input"] and fold(text["lookup_name"] or "") == fold(entry.standard_name):
            # C is the formula result of the ID typed in A, not something the supplier chose.
            common["lookup_name"] = None
        return SmelterRow(
            metal=entry.metal,
            smelter_id=entry.smelter_id,
            name=entry.standard_name,
            country=entry.country or text["country"],
            id_source=entry.id_source or source_text or "RMI",
            city=entry.city,
            state_province=entry.state_province,
            **common,  # type: ignore[arg-type]
        )
    name = text["name"] if (not_listed or not_yet) else (text["standard_name"] or text["lookup_name"] or text["name"])
    country = text["country"]
    if not_yet and fold(country or "") == "unknown":
        country = None  # 6.01-6.1 formulas fill "Unknown" for placeholder rows; nothing was entered
    return SmelterRow(
        metal=raw.metal,
        smelter_id=typed_id,
        name=name,
        country=country,
        id_source=source_text,
        city=text["city"],
        state_province=text["state_province"],
        **common,  # type: ignore[arg-type]
    )


def read_products(grid: Grid | None, last_row: int) -> tuple[Product, ...]:
    """Read the Product List from row 6 (number, name, comments; and the requester's number and name from 6.6)."""
    if grid is None:
        return ()
    products = []
    first = layout.PRODUCT_HEADER_ROW + 1
    # CMRT 6.6 adds the requester's number and name (D, E) before the comments (F): told by the header, not the version
    requester = bool(clean_text(grid.cell(f"F{layout.PRODUCT_HEADER_ROW}")))
    columns = (1, 2, 5, 3, 4) if requester else (1, 2, 3)
    for number in range(first, min(grid.last_row, last_row, first + layout.MAX_PRODUCT_ROWS) + 1):
        cells = grid.row(number)
        values = [clean_text(cells[i]) if i < len(cells) else None for i in columns]
        if any(values):
            products.append(Product(number, *values))
    return tuple(products)
