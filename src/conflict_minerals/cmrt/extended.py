"""Read an EMRT, CRT or AMRT into an ExtendedDocument, driven by the layouts in templates.py.

The minerals of a file decide which rows hold which answers: fixed rows in EMRT 1.x and the
CRT; in EMRT 2.x and the AMRT the responder's selection, sorted and de-duplicated as the
workbook's own formulas do, checked against the labels Excel cached beside the answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from conflict_minerals.cmrt import layout as cmrt_layout
from conflict_minerals.cmrt import templates
from conflict_minerals.cmrt.container import open_container
from conflict_minerals.cmrt.declaration import read_company
from conflict_minerals.cmrt.detect import find_version, template_type
from conflict_minerals.cmrt.grid import Grid, Workbook, column_index
from conflict_minerals.cmrt.reader import control_findings, fast_sheet, open_zip, revision_findings
from conflict_minerals.cmrt.values import clean_text, control_seen, fold, match_option, reset_control_seen
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import (
    ExtendedDocument,
    Finding,
    MineralAnswer,
    MineralSmelterRow,
    MineRow,
    Product,
    Severity,
    SourceRef,
    TemplateInfo,
)

DECLARATION = cmrt_layout.DECLARATION
_ALIASES = {"1": "100%", "1.0": "100%", "100 %": "100%"}
MAX_LIST_ROWS = cmrt_layout.MAX_SMELTER_ROWS  # rows of a Smelter or Mine List we read (the templates hold 2,500)
_MARKERS = {fold(cmrt_layout.NOT_LISTED), fold(cmrt_layout.NOT_YET_IDENTIFIED)}


def read_extended(path: str | Path, data: bytes | None = None) -> ExtendedDocument:
    """Read a supplier EMRT, CRT or AMRT; raise UnreadableFileError when it cannot be read."""
    reset_control_seen()
    container = open_container(path, data)
    book = Workbook(container)
    declaration = book.sheet(DECLARATION, max_rows=200)
    if declaration is None:
        raise UnreadableFileError(str(path), UnreadableKind.NOT_CMRT, "this workbook has no Declaration sheet.")
    kind = template_type(book)
    if kind == "CMRT":
        raise UnreadableFileError(str(path), UnreadableKind.NOT_CMRT, "this is a CMRT; read it as one.")
    version = find_version(book, declaration)
    if version is None:
        raise UnreadableFileError(
            str(path), UnreadableKind.NOT_CMRT, f"the workbook looks like an {kind} but states no revision."
        )
    spec, verified = templates.layout_for(kind, version)
    source = SourceRef(str(path))
    language = clean_text(declaration.cell(cmrt_layout.LANGUAGE_CELL))
    template = TemplateInfo(kind, version, language, verified)
    findings = revision_findings(source, template, "EXT-T-002")
    company, found = read_company(declaration, source, spec.company_cells, kind)
    findings += found
    minerals, found = _minerals(declaration, spec, source)
    findings += found
    answers = _answers(declaration, spec, minerals)
    company_answers = _company_answers(declaration, spec, minerals)
    findings += _unrecognized(source, kind, (*answers, *company_answers))
    with open_zip(container) as archive:  # the long lists through the fast cell picker, as for a CMRT
        smelter_grid = fast_sheet(container, book, archive, cmrt_layout.SMELTER_LIST, MAX_LIST_ROWS + 1, "Q")
        smelters = _smelters(smelter_grid, spec)
        mine_grid = (
            fast_sheet(container, book, archive, "Mine List", MAX_LIST_ROWS + 1, "M") if spec.mine_list else None
        )
        products = _products(
            fast_sheet(container, book, archive, cmrt_layout.PRODUCT_LIST, spec.product_last_row + 100, "F"), spec
        )
    mines = _mines(mine_grid)
    findings += _cut_short(source, kind, ((cmrt_layout.SMELTER_LIST, smelter_grid), ("Mine List", mine_grid)))
    if control_seen():  # only then look for where, as the CMRT reader does: most files have none
        findings += control_findings(source, (declaration, smelter_grid, mine_grid), f"{kind}-D-007")
    scope = _scope(book.sheet("Minerals Scope", max_rows=40)) if spec.scope_sheet else ()
    document = ExtendedDocument(
        source,
        hashlib.sha256(container.data).hexdigest(),
        template,
        company,
        minerals,
        answers,
        company_answers,
        smelters,
        mines,
        products,
        scope,
    )
    return dataclasses.replace(document, findings=tuple(findings + check(document)))


def _minerals(grid: Grid, spec: templates.ExtendedLayout, source: SourceRef) -> tuple[tuple[str, ...], list[Finding]]:
    """The minerals of the file in the order their answer rows follow."""
    if spec.fixed_minerals:
        return spec.fixed_minerals, []
    chosen: list[str] = []
    for index, cell in enumerate(spec.mineral_slots):
        text = clean_text(grid.cell(cell))
        if not text or text.startswith("(Delete"):
            continue
        if text.casefold() == templates.OTHER and spec.other_slots:
            text = clean_text(grid.cell(spec.other_slots[index]))
        if text and text.casefold() not in {c.casefold() for c in chosen}:
            chosen.append(text)
    computed = tuple(sorted(chosen, key=str.casefold))  # Excel's case-insensitive order, as the formulas sort
    first = spec.questions[0].header_row
    labels = tuple(
        label.replace("(*)", "").strip()
        for label in (clean_text(grid.cell(f"B{first + 1 + k}")) for k in range(len(spec.mineral_slots)))
        if label and label.replace("(*)", "").strip()
    )
    if labels and sorted(m.casefold() for m in labels) == sorted(m.casefold() for m in computed):
        return labels, []  # the same minerals: Excel's own order (its collation) decides the rows
    if labels:
        message = (
            f"The minerals listed beside the answers ({', '.join(labels)}) are not the ones selected "
            f"({', '.join(computed) or 'none'}); the answers were read by the listed ones."
        )
        return labels, [Finding(source.at(DECLARATION, f"B{first + 1}"), "EXT-D-001", Severity.WARNING, message)]
    return computed, []


def _answers(grid: Grid, spec: templates.ExtendedLayout, minerals: tuple[str, ...]) -> tuple[MineralAnswer, ...]:
    found = []
    for question in spec.questions:
        for index, mineral in enumerate(minerals):
            if question.minerals is not None and mineral not in question.minerals:
                continue
            row = question.header_row + 1 + index
            found.append(_answer(grid, question.key, mineral, row, question.options))
    return tuple(found)


def _company_answers(
    grid: Grid, spec: templates.ExtendedLayout, minerals: tuple[str, ...]
) -> tuple[MineralAnswer, ...]:
    found = []
    for question in spec.company_questions:
        if question.per_mineral:
            for index, mineral in enumerate(minerals):
                found.append(_answer(grid, question.key, mineral, question.row + 1 + index, question.options))
        else:
            found.append(_answer(grid, question.key, None, question.row, question.options))
    return tuple(found)


def _answer(grid: Grid, key: str, mineral: str | None, row: int, options: tuple[str, ...]) -> MineralAnswer:
    value, known = match_option(grid.cell(f"D{row}"), options, _ALIASES)
    return MineralAnswer(key, mineral, value, clean_text(grid.cell(f"G{row}")), f"D{row}", f"G{row}", known)


def _unrecognized(source: SourceRef, kind: str, answers: tuple[MineralAnswer, ...]) -> list[Finding]:
    return [
        Finding(
            source.at(DECLARATION, a.cell),
            f"{kind}-D-005",
            Severity.ERROR,
            f"Answer '{a.value}' to {a.question}{f' ({a.mineral})' if a.mineral else ''} is not one of the "
            "template's options; choose from the list.",
        )
        for a in answers
        if not a.recognized
    ]


def _row_values(grid: Grid, row: int, columns: dict[str, str]) -> dict[str, str | None]:
    """The named cells of one row, by index (a list sheet has thousands of rows)."""
    cells = grid.row(row)
    found = {}
    for name, column in columns.items():
        index = column_index(column)
        found[name] = clean_text(cells[index]) if index < len(cells) else None
    return found


def _smelters(grid: Grid | None, spec: templates.ExtendedLayout) -> tuple[MineralSmelterRow, ...]:
    if grid is None:
        return ()
    columns = spec.smelter_columns
    rows = []
    for row in range(5, min(grid.last_row, MAX_LIST_ROWS) + 1):
        values = _row_values(grid, row, columns)
        if not (values.get("mineral") or values.get("lookup_name") or values.get("name")):
            continue
        smelter_id = values.get("smelter_id") or values.get("smelter_id_input")
        rows.append(
            MineralSmelterRow(
                row,
                values.get("mineral"),
                smelter_id,
                values.get("lookup_name"),
                _entered_name(values),
                values.get("country"),
                values.get("id_source"),
                values.get("city"),
                values.get("mine_name"),
                values.get("mine_country"),
                values.get("recycled_scrap"),
                values.get("comments"),
            )
        )
    return tuple(rows)


def _entered_name(values: dict[str, str | None]) -> str | None:
    """The facility's name: typed for a 'Smelter not listed' row, else the look-up's choice (never the marker)."""
    chosen = values.get("lookup_name")
    if chosen and fold(chosen) in _MARKERS:
        return values.get("name")
    return values.get("name") or chosen


def _cut_short(source: SourceRef, kind: str, grids: tuple[tuple[str, Grid | None], ...]) -> list[Finding]:
    """{TYPE}-S-008: a list longer than we read (its later rows were not read)."""
    found = []
    for sheet, grid in grids:
        if grid is not None and grid.last_row > MAX_LIST_ROWS:
            message = f"Only rows 5 to {MAX_LIST_ROWS:,} of the {sheet} were read; the sheet has more."
            found.append(Finding(source.at(sheet, f"A{MAX_LIST_ROWS + 1}"), f"{kind}-S-008", Severity.WARNING, message))
    return found


def _mines(grid: Grid | None) -> tuple[MineRow, ...]:
    if grid is None:
        return ()
    rows = []
    for row in range(5, min(grid.last_row, MAX_LIST_ROWS) + 1):
        v = _row_values(grid, row, templates.MINE_COLUMNS)
        if not (v["mine_name"] or v["smelter_name"] or v["mineral"]):
            continue
        rows.append(
            MineRow(row, v["mineral"], v["smelter_name"], v["mine_name"], v["mine_id"], v["country"], v["comments"])
        )
    return tuple(rows)


def _products(grid: Grid | None, spec: templates.ExtendedLayout) -> tuple[Product, ...]:
    if grid is None:
        return ()
    rows = []
    for row in range(6, min(grid.last_row, spec.product_last_row) + 1):
        v = _row_values(grid, row, spec.product_columns)
        if v.get("number") or v.get("name"):
            rows.append(
                Product(row, v["number"], v["name"], v["comments"], v.get("requester_number"), v.get("requester_name"))
            )
    return tuple(rows)


def _scope(grid: Grid | None) -> tuple[tuple[str, str | None], ...]:
    if grid is None:
        return ()
    found = []
    for row in range(8, 18):
        mineral = clean_text(grid.cell(f"B{row}"))
        if mineral:
            found.append((mineral, clean_text(grid.cell(f"C{row}"))))
    return tuple(found)


def check(document: ExtendedDocument) -> list[Finding]:
    """The template's own required-field checks, with the template type in each code (EMRT-C-001 …)."""
    kind, source, company = document.template.type, document.source, document.company
    spec, _ = templates.layout_for(kind, document.template.version)
    found = []

    def need(ok: bool, field: str, code: str, message: str) -> None:
        if not ok:
            found.append(Finding(source.at(DECLARATION, spec.company_cells[field]), code, Severity.ERROR, message))

    need(bool(company.name), "name", f"{kind}-C-001", "Company name is required.")
    need(bool(company.contact_email), "contact_email", f"{kind}-C-002", "Contact e-mail is required.")
    need(company.effective_date is not None, "effective_date", f"{kind}-C-003", "Effective date is required.")
    if not document.minerals:
        cell = spec.mineral_slots[0] if spec.mineral_slots else "D12"
        found.append(Finding(source.at(DECLARATION, cell), f"{kind}-C-004", Severity.ERROR, "No mineral is in scope."))
    for answer in document.answers:
        if answer.question == "Q1" and answer.value is None:
            message = f"Q1 ({answer.mineral}) is required: is the mineral used in the products?"
            found.append(Finding(source.at(DECLARATION, answer.cell), f"{kind}-C-005", Severity.ERROR, message))
    for row in document.smelters:
        if row.not_listed and not (row.name and row.country):
            column = "E" if row.name else "D"
            message = f"Row {row.row} is 'Smelter not listed' but lacks the smelter's name or country."
            where = source.at(cmrt_layout.SMELTER_LIST, f"{column}{row.row}")
            found.append(Finding(where, f"{kind}-C-006", Severity.ERROR, message))
    for mine in document.mines:
        if mine.mine_name and not mine.smelter_name:
            message = f"Mine List row {mine.row} names a mine but not the smelter it supplies."
            found.append(Finding(source.at("Mine List", f"B{mine.row}"), f"{kind}-C-007", Severity.ERROR, message))
    return found
