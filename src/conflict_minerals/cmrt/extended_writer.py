"""Write a declaration into RMI's own EMRT, CRT or AMRT workbook, driven by the layouts in templates.py.

The cell map is computed from the layout (company block, mineral slots, the answer rows under
each question, company questions, Smelter, Mine and Product List rows), every input cleared
first, then handed to the same patcher as the company's CMRT: cells set in place, styles,
formulas and drop-down lists kept, the workbook recalculated when it is opened. Text is always
written as text, so a name such as "=HYPERLINK(...)" stays a name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from conflict_minerals.cmrt import layout as cmrt_layout
from conflict_minerals.cmrt import templates
from conflict_minerals.cmrt.container import open_container
from conflict_minerals.cmrt.detect import find_version, template_type
from conflict_minerals.cmrt.grid import Workbook
from conflict_minerals.cmrt.lookup import read_mineral_lookup
from conflict_minerals.cmrt.patcher import Value, patch_workbook
from conflict_minerals.cmrt.values import normalize_smelter_id
from conflict_minerals.model import Company, MineralSmelterRow, MineRow, Product

Cells = dict[str, dict[str, Value]]
DECLARATION, SMELTER_LIST, MINE_LIST, PRODUCT_LIST = "Declaration", "Smelter List", "Mine List", "Product List"
_FULL_RATE = "100%"


@dataclass(frozen=True, slots=True)
class GivenAnswer:
    """One answer to write: a per-mineral question (Q1 ...), or a company question (mineral None, or per mineral)."""

    question: str
    mineral: str | None
    value: str | None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ExtendedFill:
    """Everything written into an extended template; list rows are written in order (their `row` is ignored)."""

    company: Company
    minerals: tuple[str, ...]
    answers: tuple[GivenAnswer, ...] = ()
    company_answers: tuple[GivenAnswer, ...] = ()
    smelters: tuple[MineralSmelterRow, ...] = ()
    mines: tuple[MineRow, ...] = ()
    products: tuple[Product, ...] = ()
    language: str = "English"


def template_of(path: Path) -> tuple[str, str]:
    """Return (type, revision) a blank RMI workbook states, e.g. ("EMRT", "2.1")."""
    return _stated(Workbook(open_container(path)), path.name)


def _stated(book: Workbook, name: str) -> tuple[str, str]:
    declaration = book.sheet(DECLARATION, max_rows=10)
    if declaration is None:
        raise ValueError(f"{name} has no Declaration sheet; it is not an RMI template.")
    return template_type(book), find_version(book, declaration) or "unknown"


def write_extended(template: Path, out: Path, fill: ExtendedFill) -> tuple[str, str]:
    """Write `fill` into a copy of RMI's blank EMRT, CRT or AMRT; return the template's (type, revision)."""
    book = Workbook(open_container(template))  # read once for its type, revision and look-up
    kind, version = _stated(book, template.name)
    if kind not in {layout.type for layout in templates.LAYOUTS}:
        raise ValueError(f"{template.name} is an RMI {kind}, not an EMRT, CRT or AMRT.")
    spec, _ = templates.layout_for(kind, version)
    known = _lookup_ids(book)
    if known is not None:
        fill = replace(fill, smelters=tuple(_as_listed(row, known) for row in fill.smelters))
    patch_workbook(template, out, extended_cells(spec, fill), stale_labels(spec))
    return kind, version


def lookup_ids(path: Path) -> dict[str, set[str]] | None:
    """The Smelter IDs of a template's Smelter Look-up by mineral (casefolded); None without one (AMRT 1.2)."""
    return _lookup_ids(Workbook(open_container(path)))


def _lookup_ids(book: Workbook) -> dict[str, set[str]] | None:
    grid = book.sheet(cmrt_layout.SMELTER_LOOKUP)
    if grid is None:
        return None
    found: dict[str, set[str]] = {}
    for entry in read_mineral_lookup(grid):
        found.setdefault(entry.mineral.casefold(), set()).add(entry.smelter_id)
    return found


def _as_listed(row: MineralSmelterRow, known: dict[str, set[str]]) -> MineralSmelterRow:
    """A row by an ID the look-up lists for its mineral: the ID alone (the workbook fills the rest).

    Any other ID would show #N/A in the template's formulas: that facility is written as
    "Smelter not listed" with its name and country, the ID in the comment.
    """
    if not row.smelter_id:
        return row
    normalized = normalize_smelter_id(row.smelter_id)  # 'CID 3209' and '3209' are CID003209
    if normalized in known.get((row.mineral or "").casefold(), set()):
        return replace(row, smelter_id=normalized, lookup_name=None, name=None, country=None)
    note = f"Smelter ID {row.smelter_id} is not in this template's Smelter Look-up for {row.mineral}."
    comments = f"{row.comments} {note}" if row.comments else note
    return replace(
        row, smelter_id=None, lookup_name=cmrt_layout.NOT_LISTED, name=row.name or row.smelter_id, comments=comments
    )


def answer_minerals(spec: templates.ExtendedLayout, minerals: Sequence[str]) -> tuple[str, ...]:
    """The minerals in the order their answer rows follow (fixed rows, else sorted as Excel's formulas sort)."""
    if spec.fixed_minerals:
        return spec.fixed_minerals
    unique: dict[str, str] = {}
    for mineral in minerals:
        unique.setdefault(mineral.casefold(), mineral)
    return tuple(sorted(unique.values(), key=str.casefold))


def extended_cells(spec: templates.ExtendedLayout, fill: ExtendedFill) -> Cells:
    """The {sheet: {cell: value}} of a declaration in this layout, every input cleared first."""
    rows = answer_minerals(spec, fill.minerals)
    declaration: dict[str, Value] = {cmrt_layout.LANGUAGE_CELL: fill.language}
    declaration |= _company_cells(spec, fill.company)
    declaration |= _slot_cells(spec, fill.minerals)
    declaration |= _answer_cells(spec, rows, fill)
    cells: Cells = {DECLARATION: declaration, SMELTER_LIST: _smelter_cells(spec, fill.smelters)}
    if spec.mine_list:
        cells[MINE_LIST] = _list_cells(
            templates.MINE_COLUMNS, 5, 2504, [_fields(m, templates.MINE_COLUMNS) for m in fill.mines]
        )
    cells[PRODUCT_LIST] = _list_cells(
        spec.product_columns, 6, spec.product_last_row, [_fields(p, spec.product_columns) for p in fill.products]
    )
    return cells


def stale_labels(spec: templates.ExtendedLayout) -> dict[str, list[str]]:
    """The mineral labels beside the answer rows, which Excel computes from the selection (none in fixed layouts)."""
    if not spec.mineral_slots:
        return {}
    count = len(spec.mineral_slots)
    headers = [q.header_row for q in spec.questions] + [q.row for q in spec.company_questions if q.per_mineral]
    return {DECLARATION: [f"B{header + 1 + k}" for header in headers for k in range(count)]}


def _company_cells(spec: templates.ExtendedLayout, company: Company) -> dict[str, Value]:
    cells: dict[str, Value] = {}
    for field, ref in spec.company_cells.items():
        value = getattr(company, field, None)
        if field == "declaration_scope" and isinstance(value, str):
            value = cmrt_layout.SCOPE_OPTIONS.get(value, value)
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        cells[ref] = value
    return cells


def _slot_cells(spec: templates.ExtendedLayout, minerals: Sequence[str]) -> dict[str, Value]:
    """The mineral selection: each fixed slot kept or deleted (EMRT 2.x), else one slot per mineral (AMRT)."""
    cells: dict[str, Value] = dict.fromkeys((*spec.mineral_slots, *spec.other_slots))
    if not spec.mineral_slots:  # EMRT 1.x and the CRT: fixed rows, nothing to select
        return cells
    wanted = {m.casefold() for m in minerals}
    if spec.slot_minerals:
        unknown = wanted - {m.casefold() for m in spec.slot_minerals}
        if unknown:
            raise ValueError(f"{spec.type} {spec.revisions[0]} offers only {', '.join(spec.slot_minerals)}.")
        for cell, mineral in zip(spec.mineral_slots, spec.slot_minerals, strict=True):
            cells[cell] = mineral if mineral.casefold() in wanted else f"(Delete {mineral})"
        return cells
    chosen = answer_minerals(spec, minerals)
    if len(chosen) > len(spec.mineral_slots):
        raise ValueError(f"{spec.type} takes at most {len(spec.mineral_slots)} minerals; {len(chosen)} were given.")
    options = {option.casefold(): option for option in spec.mineral_options}
    for index, mineral in enumerate(chosen):
        if not spec.other_slots or mineral.casefold() in options:
            cells[spec.mineral_slots[index]] = options.get(mineral.casefold(), mineral)
        else:  # AMRT 1.3: a mineral outside the list is "Other", named in the cell below
            cells[spec.mineral_slots[index]] = templates.OTHER_OPTION
            cells[spec.other_slots[index]] = mineral
    return cells


def _answer_cells(spec: templates.ExtendedLayout, rows: tuple[str, ...], fill: ExtendedFill) -> dict[str, Value]:
    """Every answer row cleared (D and G), then the given answers in their mineral's row."""
    count = len(spec.fixed_minerals) or len(spec.mineral_slots)
    index = {mineral.casefold(): k for k, mineral in enumerate(rows)}
    cells: dict[str, Value] = {}
    per_mineral = {q.key: q.header_row for q in spec.questions}
    per_mineral |= {q.key: q.row for q in spec.company_questions if q.per_mineral}
    for header in per_mineral.values():
        for k in range(count):
            cells[f"D{header + 1 + k}"] = cells[f"G{header + 1 + k}"] = None
    single = {q.key: q.row for q in spec.company_questions if not q.per_mineral}
    for row in single.values():
        cells[f"D{row}"] = cells[f"G{row}"] = None
    for answer in (*fill.answers, *fill.company_answers):
        if answer.question in single and answer.mineral is None:
            row = single[answer.question]
        elif answer.question in per_mineral and answer.mineral and answer.mineral.casefold() in index:
            row = per_mineral[answer.question] + 1 + index[answer.mineral.casefold()]
        else:
            raise ValueError(f"{spec.type} has no answer {answer.question} for {answer.mineral or 'the company'}.")
        value: Value = answer.value
        if spec.rate_as_number and value == _FULL_RATE:
            value = 1  # these revisions store the "100%" option as the number 1
        cells[f"D{row}"], cells[f"G{row}"] = value, answer.comment
    return cells


def _smelter_cells(spec: templates.ExtendedLayout, rows: Sequence[MineralSmelterRow]) -> dict[str, Value]:
    """The Smelter List: typed columns cleared on every data row, then one row per facility from row 5."""
    columns = dict(spec.smelter_columns)
    if "smelter_id_input" in columns:  # the CMRT-style list takes a typed ID in A; F is the look-up's
        columns["smelter_id"] = columns.pop("smelter_id_input")
    inputs = {name: column for name, column in columns.items() if column not in spec.smelter_formula_columns}
    # a supplier picks the metal and look-up name and types a country over the formulas, as we do
    typed = inputs | {name: columns[name] for name in ("mineral", "lookup_name", "name", "country") if name in columns}
    return _list_cells(typed, 5, spec.smelter_last_row, [_fields(row, typed) for row in rows], clear=inputs)


def _fields(record: object, columns: dict[str, str]) -> dict[str, Value]:
    names = {f.name for f in fields(record)}  # type: ignore[arg-type]
    return {name: getattr(record, name) for name in columns if name in names}


def _list_cells(
    columns: dict[str, str],
    first: int,
    last: int,
    records: Sequence[dict[str, Value]],
    clear: dict[str, str] | None = None,
) -> dict[str, Value]:
    """A list sheet's cells: `clear`'s columns (default all) emptied on every data row, then the records in order."""
    if len(records) > last - first + 1:
        raise ValueError(f"{len(records)} rows do not fit in rows {first}-{last} of the template.")
    cleared = (clear if clear is not None else columns).values()
    cells: dict[str, Value] = {f"{column}{row}": None for row in range(first, last + 1) for column in cleared}
    for offset, record in enumerate(records):
        for name, value in record.items():
            if value is not None:
                cells[f"{columns[name]}{first + offset}"] = value
    return cells
