"""Fill a real RMI CMRT workbook with answers and smelter rows, the way a supplier would.

Used by the tests (which fill the blank templates in ../shared) and by the company's own
CMRT export. Every input cell is cleared first, because some published copies carry
stray answers (cmrt-format.md §0).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.worksheet.worksheet import Worksheet

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.detect import parse_revision
from conflict_minerals.model import COMPANY_QUESTION_KEYS, DECLARATION_METAL_ORDER, QUESTION_KEYS, Metal

_INPUT_COLUMNS = ("A", "D", "K", "L", "M", "N", "O", "P", "Q")
_FORMULA_COLUMNS = ("B", "C", "E", "F", "G", "H", "I", "J", "R")
# The Smelter List columns a supplier fills: column A holds the typed Smelter ID.
_ROW_FIELDS = {
    ("smelter_id" if field == "smelter_id_input" else field): column
    for field, column in layout.SMELTER_COLUMNS.items()
    if field not in ("smelter_id", "id_source", "standard_name")
}


def fill_template(template: str | Path, out: str | Path, data: Mapping[str, Any]) -> None:
    """Write `data` (the shape of `inspect --json`) into a copy of a real CMRT template."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not keep
        book = openpyxl.load_workbook(template)
    declaration = book[layout.DECLARATION]
    version = parse_revision(declaration[layout.REVISION_CELL].value) or layout.NEWEST_CMRT_VERSION
    _clear_declaration(declaration)
    _fill_declaration(declaration, data, layout.layout_for(version))
    smelters = book[layout.SMELTER_LIST]
    _clear_smelter_list(smelters)
    _fill_smelters(smelters, data.get("smelters", ()))
    products = book[layout.PRODUCT_LIST]
    _clear_products(products, layout.product_last_row(layout.layout_for(version)))
    _fill_products(products, data.get("products", ()))
    book.save(out)


def _declaration_inputs() -> list[str]:
    cells = list(layout.COMPANY_CELLS.values())
    for question in QUESTION_KEYS:
        for metal in DECLARATION_METAL_ORDER:
            cells += layout.question_cells(question, metal)
    for key in COMPANY_QUESTION_KEYS:
        cells += layout.company_question_cells(key)
    return cells


def _clear_declaration(sheet: Worksheet) -> None:
    for ref in _declaration_inputs():
        sheet[ref].value = None


def _fill_declaration(sheet: Worksheet, data: Mapping[str, Any], layout_version: str) -> None:
    sheet[layout.LANGUAGE_CELL].value = data.get("language", "English")
    for field, value in data.get("company", {}).items():
        if field in layout.COMPANY_CELLS and value is not None:
            sheet[layout.COMPANY_CELLS[field]].value = _company_value(field, value)
    numeric_full = layout.stores_full_response_as_number(layout_version)
    for metal_key, answers in data.get("questions", {}).items():
        metal = Metal(metal_key.capitalize())
        for question, value in answers.items():
            if numeric_full and question == "Q6" and value == "100%":
                value = 1  # 6.01-6.22 store the 100% option as the number 1
            sheet[layout.question_cells(question, metal)[0]].value = value
    for metal_key, comments in data.get("question_comments", {}).items():
        metal = Metal(metal_key.capitalize())
        for question, value in comments.items():
            sheet[layout.question_cells(question, metal)[1]].value = value
    for key, value in data.get("company_questions", {}).items():
        sheet[layout.company_question_cells(key)[0]].value = value
    for key, value in data.get("company_question_comments", {}).items():
        sheet[layout.company_question_cells(key)[1]].value = value


def _company_value(field: str, value: Any) -> Any:
    if field == "declaration_scope" and value in layout.SCOPE_OPTIONS:
        return layout.SCOPE_OPTIONS[value]
    if field == "effective_date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


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


def _fill_smelters(sheet: Worksheet, rows: Sequence[Mapping[str, Any]]) -> None:
    for offset, row in enumerate(rows):
        number = row.get("row") or layout.SMELTER_HEADER_ROW + 1 + offset
        if row.get("not_yet_identified"):
            sheet[f"C{number}"].value = layout.NOT_YET_IDENTIFIED
        for field, column in _ROW_FIELDS.items():
            if row.get(field) is not None:
                sheet[f"{column}{number}"].value = row[field]


def _clear_products(sheet: Worksheet, last_row: int) -> None:
    for row in range(layout.PRODUCT_HEADER_ROW + 1, last_row + 1):
        for column in ("B", "C", "D"):
            sheet[f"{column}{row}"].value = None


def _fill_products(sheet: Worksheet, products: Sequence[Mapping[str, Any]]) -> None:
    for offset, product in enumerate(products):
        row = layout.PRODUCT_HEADER_ROW + 1 + offset
        sheet[f"B{row}"].value = product.get("number")
        sheet[f"C{row}"].value = product.get("name")
        sheet[f"D{row}"].value = product.get("comments")
