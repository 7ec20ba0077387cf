"""Fill a real RMI CMRT workbook with answers and smelter rows, the way a supplier would.

Used by the tests (which fill the blank templates in ../shared) and by the company's own
CMRT export. Every input cell is cleared first, because some published copies carry
stray answers (cmrt-format.md §0).

Two engines write the file:

- "patch" (the default) edits the cells of RMI's workbook in place (cmrt.patcher), keeping
  every formula, data validation and cached value it does not touch; ~0.2 s per fill.
- "openpyxl" loads and saves the workbook with openpyxl: every formula loses its cached
  value and openpyxl drops the data-validation extensions; ~7 s per fill. Use it only for
  files that must have no cached formula values at all.

Both give the same reading. In the Smelter List rows the patch engine touches (the rows it
fills and the template's stray rows), formulas are written as openpyxl writes them, without
a cached value, so nothing stale is left for a reader; a value typed over a formula there is
turned back into the column's formula. Text is always written as text (openpyxl would turn
a string starting with "=" into a formula).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape, unescape

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formula.translate import Translator
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.container import _sheet_parts
from conflict_minerals.cmrt.detect import parse_revision
from conflict_minerals.cmrt.fastsheet import fast_grid
from conflict_minerals.cmrt.grid import split_ref
from conflict_minerals.cmrt.patcher import Value, _recalculate_on_open, set_cells
from conflict_minerals.model import COMPANY_QUESTION_KEYS, DECLARATION_METAL_ORDER, QUESTION_KEYS, Metal

Engine = Literal["patch", "openpyxl"]

_INPUT_COLUMNS = ("A", "D", "K", "L", "M", "N", "O", "P", "Q")
_FORMULA_COLUMNS = ("B", "C", "E", "F", "G", "H", "I", "J", "R")
_PRODUCT_COLUMNS = ("B", "C", "D")
# The Smelter List columns a supplier fills: column A holds the typed Smelter ID.
_ROW_FIELDS = {
    ("smelter_id" if field == "smelter_id_input" else field): column
    for field, column in layout.SMELTER_COLUMNS.items()
    if field not in ("smelter_id", "id_source", "standard_name")
}


def fill_template(template: str | Path, out: str | Path, data: Mapping[str, Any], *, engine: Engine = "patch") -> None:
    """Write `data` (the shape of `inspect --json`) into a copy of a real CMRT template."""
    if engine == "patch":
        _patch_template(Path(template), Path(out), data)
    elif engine == "openpyxl":
        _fill_with_openpyxl(template, out, data)
    else:
        raise ValueError(f"unknown engine {engine!r}; use 'patch' or 'openpyxl'")


# --- What goes where: {sheet: {cell: value}}, shared by both engines --------------------------


def _declaration_inputs() -> list[str]:
    cells = list(layout.COMPANY_CELLS.values())
    for question in QUESTION_KEYS:
        for metal in DECLARATION_METAL_ORDER:
            cells += layout.question_cells(question, metal)
    for key in COMPANY_QUESTION_KEYS:
        cells += layout.company_question_cells(key)
    return cells


def _declaration_cells(data: Mapping[str, Any], layout_version: str) -> dict[str, Any]:
    """Every input of the Declaration, cleared, then the given answers (later entries win)."""
    cells: dict[str, Any] = dict.fromkeys(_declaration_inputs())
    cells[layout.LANGUAGE_CELL] = data.get("language", "English")
    for field, value in data.get("company", {}).items():
        if field in layout.COMPANY_CELLS and value is not None:
            cells[layout.COMPANY_CELLS[field]] = _company_value(field, value)
    numeric_full = layout.stores_full_response_as_number(layout_version)
    for metal_key, answers in data.get("questions", {}).items():
        metal = Metal(metal_key.capitalize())
        for question, value in answers.items():
            if numeric_full and question == "Q6" and value == "100%":
                value = 1  # 6.01-6.22 store the 100% option as the number 1
            cells[layout.question_cells(question, metal)[0]] = value
    for metal_key, comments in data.get("question_comments", {}).items():
        metal = Metal(metal_key.capitalize())
        for question, value in comments.items():
            cells[layout.question_cells(question, metal)[1]] = value
    for key, value in data.get("company_questions", {}).items():
        cells[layout.company_question_cells(key)[0]] = value
    for key, value in data.get("company_question_comments", {}).items():
        cells[layout.company_question_cells(key)[1]] = value
    return cells


def _company_value(field: str, value: Any) -> Any:
    if field == "declaration_scope" and value in layout.SCOPE_OPTIONS:
        return layout.SCOPE_OPTIONS[value]
    if field == "effective_date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def _smelter_cells(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Smelter List cells the rows fill (formula columns B, C, E, H-J are overwritten when given)."""
    cells: dict[str, Any] = {}
    for offset, row in enumerate(rows):
        number = row.get("row") or layout.SMELTER_HEADER_ROW + 1 + offset
        if row.get("not_yet_identified"):
            cells[f"C{number}"] = layout.NOT_YET_IDENTIFIED
        for field, column in _ROW_FIELDS.items():
            if row.get(field) is not None:
                cells[f"{column}{number}"] = row[field]
    return cells


def _product_cells(products: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The Product List cells of the products, from row 6 (number, name, comments)."""
    cells: dict[str, Any] = {}
    for offset, product in enumerate(products):
        row = layout.PRODUCT_HEADER_ROW + 1 + offset
        cells[f"B{row}"] = product.get("number")
        cells[f"C{row}"] = product.get("name")
        cells[f"D{row}"] = product.get("comments")
    return cells


# --- The patch engine -------------------------------------------------------------------------

# One cell: column, row, attributes, body (None when self-closing). Same shape as the patcher's.
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_FORMULA = re.compile(rb"<f[^>]*/>|<f[^>]*>[^<]*</f>")
_FORMULA_TEXT = re.compile(rb"<f([^>]*)>([^<]+)</f>")
_TYPE = re.compile(rb'\st="[^"]*"')
_STYLE = re.compile(rb'\ss="(\d+)"')
# A cell that holds a value (typed or cached) starts before one of these (as in cmrt.fastsheet).
_VALUE_START = re.compile(rb"<v>[^<]|<is>")
_REF = re.compile(rb'([A-Z]+)(\d+)"')
# A formula-column cell that is empty: the template lost the formula there (6.31 B5/C5).
_EMPTY_FORMULA_CELL = re.compile(rb'<c r="[BCEFGHIJR](\d+)"[^>]*/>')
_CALC_CHAIN = "xl/calcChain.xml"


def _patch_template(template: Path, out: Path, data: Mapping[str, Any]) -> None:
    with zipfile.ZipFile(template) as source:
        parts = {name.casefold(): part for name, part in _sheet_parts(source).items()}
        declaration = parts[layout.DECLARATION.casefold()]
        grid = fast_grid(source, declaration, layout.DECLARATION, 3)
        revision = parse_revision(grid.cell(layout.REVISION_CELL)) if grid is not None else None
        layout_version = layout.layout_for(revision or layout.NEWEST_CMRT_VERSION)
        smelters, products = parts[layout.SMELTER_LIST.casefold()], parts[layout.PRODUCT_LIST.casefold()]
        changed = {
            declaration: set_cells(source.read(declaration), _checked(_declaration_cells(data, layout_version))),
            smelters: _patch_smelter_list(source.read(smelters), _checked(_smelter_cells(data.get("smelters", ())))),
            products: _patch_product_list(source.read(products), data.get("products", ()), layout_version),
            "xl/workbook.xml": _recalculate_on_open(source.read("xl/workbook.xml")),
        }
        if _CALC_CHAIN in source.NameToInfo:  # it lists formulas that are now values; Excel rebuilds it
            for part in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                changed[part] = re.sub(rb"<(?:Override|Relationship)\b[^>]*calcChain[^>]*/>", b"", source.read(part))
        # Level 1 keeps the file about the size of RMI's own and takes a third of the time of the default.
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
            for info in source.infolist():
                if info.filename == _CALC_CHAIN:
                    continue
                content = changed.get(info.filename)
                target.writestr(info, source.read(info) if content is None else content, zipfile.ZIP_DEFLATED, 1)


def _checked(cells: dict[str, Any]) -> dict[str, Value]:
    """Refuse, as openpyxl does, text with control characters that no worksheet may hold."""
    for ref, value in cells.items():
        if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value!r} cannot be used in worksheets ({ref}).")
    return cells


def _patch_smelter_list(xml: bytes, values: Mapping[str, Value]) -> bytes:
    """Clear the data rows that hold anything, then write `values`, touching only the rows concerned.

    A touched data row gets its inputs emptied, its formula columns back (translated from the
    column's formula where a value was typed over it or the cell is empty) and every formula
    in it without a cached value, as openpyxl writes formulas. Untouched rows stay as they are.
    """
    first, last = layout.SMELTER_HEADER_ROW + 1, layout.SMELTER_LAST_ROW
    touched = {row for column, row in _filled_cells(xml) if len(column) == 1 and column <= "R"}
    touched |= {int(match.group(1)) for match in _EMPTY_FORMULA_CELL.finditer(xml)}
    touched |= {split_ref(ref)[0] + 1 for ref in values}
    models = _ModelFormulas(xml, first, last)
    reset = {row for row in touched if first <= row <= last}
    return _edit_rows(xml, values, reset, lambda row: _CELL.sub(lambda match: _reset_cell(match, models), row))


def _patch_product_list(xml: bytes, products: Sequence[Mapping[str, Any]], layout_version: str) -> bytes:
    """Clear the Product List cells that hold anything, then write the products from row 6."""
    rows = range(layout.PRODUCT_HEADER_ROW + 1, layout.product_last_row(layout_version) + 1)
    filled = [(column, row) for column, row in _filled_cells(xml) if row in rows]
    cells = {f"{column}{row}": None for column, row in filled if column in _PRODUCT_COLUMNS}
    return _edit_rows(xml, _checked(cells | _product_cells(products)), set(), lambda row: row)


def _filled_cells(xml: bytes) -> Iterator[tuple[str, int]]:
    """Yield (column, row) of each cell that holds a value, typed or a formula's cached result.

    Found at C speed from where values start, as cmrt.fastsheet does; empty cells cost nothing.
    """
    for hit in _VALUE_START.finditer(xml):
        start = xml.rfind(b'<c r="', 0, hit.start())
        if start < 0:
            continue
        ref = _REF.match(xml, start + 6)
        if ref is not None:
            yield ref.group(1).decode(), int(ref.group(2))


def _edit_rows(xml: bytes, values: Mapping[str, Value], reset: set[int], clear: Callable[[bytes], bytes]) -> bytes:
    """Apply `clear` to the rows in `reset`, then set `values`, re-writing only the rows concerned."""
    by_row: dict[int, dict[str, Value]] = {}
    for ref, value in values.items():
        by_row.setdefault(split_ref(ref)[0] + 1, {})[ref] = value
    pieces: list[bytes] = []
    position = 0
    leftover: dict[str, Value] = {}
    for number in sorted(reset | by_row.keys()):
        span = _row_span(xml, number, position)
        if span is None:  # a row the sheet does not have: the patcher inserts it below
            leftover.update(by_row.get(number, {}))
            continue
        start, end = span
        row = clear(xml[start:end]) if number in reset else xml[start:end]
        pieces += [xml[position:start], set_cells(row, by_row[number]) if number in by_row else row]
        position = end
    pieces.append(xml[position:])
    xml = b"".join(pieces)
    return set_cells(xml, leftover) if leftover else xml


def _row_span(xml: bytes, number: int, start: int) -> tuple[int, int] | None:
    """Return where `<row r="number" ...>...</row>` lies, searching from `start` (rows are in order)."""
    begin = xml.find(b'<row r="%d"' % number, start)
    if begin < 0:
        return None
    head_end = xml.find(b">", begin)
    if xml[head_end - 1 : head_end] == b"/":
        return begin, head_end + 1
    return begin, xml.find(b"</row>", head_end) + len(b"</row>")


class _ModelFormulas:
    """The formula of each Smelter List formula column, found on the first data row that has it."""

    def __init__(self, xml: bytes, first: int, last: int) -> None:
        self._xml = xml
        self._first, self._last = first, last
        self._found: dict[str, tuple[bytes, str, int]] = {}
        self._searched = False

    def moved(self, column: str, row: int) -> tuple[bytes, str] | None:
        """Return (attributes, escaped formula text) of `column`'s formula moved to `row`."""
        model = self._found.get(column) or self._find(column)
        if model is None:  # no row of the sheet has this column's formula: leave the cell as it is
            return None
        attributes, formula, origin = model
        moved = Translator(formula, origin=f"{column}{origin}").translate_formula(f"{column}{row}")
        return attributes, escape(moved[1:])

    def _find(self, column: str) -> tuple[bytes, str, int] | None:
        if self._searched:
            return None
        for cells in self._rows():
            for match in cells:
                ref_column = match.group(1).decode()
                if ref_column in _FORMULA_COLUMNS and ref_column not in self._found:
                    formula = _FORMULA_TEXT.search(match.group(4) or b"")
                    if formula and b't="shared"' not in formula.group(1):
                        text = "=" + unescape(formula.group(2).decode(), {"&quot;": '"', "&apos;": "'"})
                        self._found[ref_column] = (formula.group(1), text, int(match.group(2)))
            if column in self._found:
                return self._found[column]
        self._searched = True
        return None

    def _rows(self) -> Iterator[Iterator[re.Match[bytes]]]:
        position = 0
        for number in range(self._first, self._last + 1):
            span = _row_span(self._xml, number, position)
            if span is None:
                continue
            position = span[1]
            yield _CELL.finditer(self._xml, span[0], span[1])


def _reset_cell(match: re.Match[bytes], models: _ModelFormulas) -> bytes:
    """One cell of a touched data row: inputs emptied, formulas kept or restored, without cached values."""
    column, row = match.group(1).decode(), int(match.group(2))
    attributes, body = match.group(3), match.group(4) or b""
    ref = f"{column}{row}".encode()
    if column in _INPUT_COLUMNS:
        style = _STYLE.search(attributes)
        return b'<c r="%s"%s/>' % (ref, style.group(0) if style else b"")
    formula = _FORMULA.search(body)
    if formula is not None:
        return b'<c r="%s"%s>%s<v/></c>' % (ref, _TYPE.sub(b"", attributes), formula.group(0))
    if column in _FORMULA_COLUMNS:
        moved = models.moved(column, row)
        if moved is not None:
            style = _STYLE.search(attributes)
            return b'<c r="%s"%s><f%s>%s</f><v/></c>' % (
                ref,
                style.group(0) if style else b"",
                moved[0],
                moved[1].encode(),
            )
    return match.group(0)


# --- The openpyxl engine ----------------------------------------------------------------------


def _fill_with_openpyxl(template: str | Path, out: str | Path, data: Mapping[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not keep
        book = openpyxl.load_workbook(template)
    declaration = book[layout.DECLARATION]
    version = parse_revision(declaration[layout.REVISION_CELL].value) or layout.NEWEST_CMRT_VERSION
    layout_version = layout.layout_for(version)
    _write(declaration, _declaration_cells(data, layout_version))
    smelters = book[layout.SMELTER_LIST]
    _clear_smelter_list(smelters)
    _write(smelters, _smelter_cells(data.get("smelters", ())))
    rows = range(layout.PRODUCT_HEADER_ROW + 1, layout.product_last_row(layout_version) + 1)
    cleared = {f"{column}{row}": None for row in rows for column in _PRODUCT_COLUMNS}
    _write(book[layout.PRODUCT_LIST], cleared | _product_cells(data.get("products", ())))
    book.save(out)


def _write(sheet: Worksheet, cells: Mapping[str, Any]) -> None:
    for ref, value in cells.items():
        sheet[ref].value = value


def _clear_smelter_list(sheet: Worksheet) -> None:
    """Empty inputs and restore overwritten formulas from the row below (P2)."""
    first = layout.SMELTER_HEADER_ROW + 1
    for row in range(first, layout.SMELTER_LAST_ROW + 1):
        for column in _INPUT_COLUMNS:
            sheet[f"{column}{row}"].value = None
        for column in _FORMULA_COLUMNS:
            cell = sheet[f"{column}{row}"]
            if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                cell.value = _formula_like(sheet, column, row)


def _formula_like(sheet: Worksheet, column: str, row: int) -> str | None:
    for model in (row + 1, row + 2, row - 1):
        value = sheet[f"{column}{model}"].value
        if isinstance(value, str) and value.startswith("="):
            return str(Translator(value, origin=f"{column}{model}").translate_formula(f"{column}{row}"))
    return None
