"""Write a CMRT from scratch in the CMRT 6.5 cell layout, the way compliance portals export them.

The result holds values only (no formulas, no RMI content beyond the reference facts
given), so our own reader and any tool that reads CMRT cells by address can read it.
Customers who expect RMI's own workbook should get `template_filler` output instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.lookup import LookupIndex
from conflict_minerals.cmrt.values import MAX_TEXT, fold, normalize_smelter_id, parse_metal
from conflict_minerals.model import (
    COMPANY_QUESTION_KEYS,
    DECLARATION_METAL_ORDER,
    QUESTION_KEYS,
    LookupEntry,
    Metal,
)

WRITER_VERSION = "6.5"
_REVISION_TEXT = "Revision 6.5\nApril 25, 2025"
_COMPANY_LABELS = {
    "name": "Company Name (*):",
    "declaration_scope": "Declaration Scope or Class (*):",
    "scope_description": "Description of Scope:",
    "unique_id": "Company Unique ID:",
    "unique_id_authority": "Company Unique ID Authority:",
    "address": "Address:",
    "contact_name": "Contact Name (*):",
    "contact_email": "Email – Contact (*):",
    "contact_phone": "Phone – Contact (*):",
    "authorizer_name": "Authorizer (*):",
    "authorizer_title": "Title - Authorizer:",
    "authorizer_email": "Email - Authorizer (*):",
    "authorizer_phone": "Phone - Authorizer:",
    "effective_date": "Effective Date (*):",
}
_SMELTER_HEADERS = (
    "Smelter Identification Number Input Column",
    "Metal (*)",
    "Smelter Look-up (*)",
    "Smelter Name (1)",
    "Smelter Country (*)",
    "Smelter Identification",
    "Source of Smelter Identification Number",
    "Smelter Street",
    "Smelter City",
    "Smelter Facility Location: State / Province",
    "Smelter Contact Name",
    "Smelter Contact Email",
    "Proposed next steps",
    "Name of Mine(s) or if recycled or scrap sourced, enter “recycled” or “scrap”",
    "Location (Country) of Mine(s) or if recycled or scrap sourced, enter “recycled” or “scrap”",
    "Does 100% of the smelter’s feedstock originate from recycled or scrap sources?",
    "Comments",
    "Standard Smelter Name",
)
_LOOKUP_HEADERS = (
    "Metal",
    "Smelter Look-up (*)",
    "Standard Smelter Names",
    "Smelter Facility Location: Country",
    "Smelter ID",
    "Source of Smelter Identification Number",
    "Smelter Street",
    "Smelter City",
    "Smelter Facility Location: State / Province",
)
# Columns K..Q: what the supplier adds about each smelter.
_EXTRA_FIELDS = tuple(field for field, column in layout.SMELTER_COLUMNS.items() if "K" <= column <= "Q")


def write_cmrt(out: str | Path, data: Mapping[str, Any], reference: Sequence[LookupEntry]) -> None:
    """Write `data` (the shape of `inspect --json`) as a CMRT 6.5-layout workbook."""
    book = Workbook()
    _revision_sheet(book.active)
    _declaration_sheet(book.create_sheet(layout.DECLARATION), data)
    _smelter_sheet(
        book.create_sheet(layout.SMELTER_LIST), data.get("smelters", ()), LookupIndex.build(tuple(reference))
    )
    _product_sheet(book.create_sheet(layout.PRODUCT_LIST), data.get("products", ()))
    _lookup_sheet(book.create_sheet(layout.SMELTER_LOOKUP), reference)
    _as_text(book)
    book.save(out)


def _as_text(book: Workbook) -> None:
    """We write values only: text that looks like a formula (`=HYPERLINK(...)`) stays text, capped to a cell."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    if len(cell.value) > MAX_TEXT:
                        cell.value = cell.value[:MAX_TEXT]
                    if cell.data_type == "f":
                        cell.data_type = "s"


def _revision_sheet(sheet: Worksheet | None) -> None:
    assert sheet is not None
    sheet.title = layout.REVISION
    sheet["B3"] = "Conflict Minerals Reporting Template"
    sheet["B12"], sheet["C12"], sheet["D12"] = "REVISION", "ORIGINATOR", "RELEASE DATE"
    sheet["B13"], sheet["C13"], sheet["D13"] = WRITER_VERSION, "conflict-minerals", dt.datetime(2025, 4, 25)


def _declaration_sheet(sheet: Worksheet, data: Mapping[str, Any]) -> None:
    sheet["B2"] = "Conflict Minerals Reporting Template (CMRT)"
    sheet["B3"], sheet[layout.LANGUAGE_CELL] = "Select Language Preference Here:", data.get("language", "English")
    sheet[layout.REVISION_CELL] = _REVISION_TEXT
    company = data.get("company", {})
    for field, ref in layout.COMPANY_CELLS.items():
        sheet[f"B{ref[1:]}"] = _COMPANY_LABELS[field]
        value = company.get(field)
        if field == "declaration_scope":
            value = layout.SCOPE_OPTIONS.get(value, value)
        if field == "effective_date" and isinstance(value, dt.date):
            value = dt.datetime.combine(value, dt.time())
            sheet[ref].number_format = "DD-MMM-YYYY"
        sheet[ref] = value
    for question in QUESTION_KEYS:
        sheet[f"B{25 + 6 * QUESTION_KEYS.index(question)}"] = f"{question[1]})"
        for metal in DECLARATION_METAL_ORDER:
            answer, comment = layout.question_cells(question, metal)
            sheet[f"B{answer[1:]}"] = metal.value
            sheet[answer] = data.get("questions", {}).get(metal.value.lower(), {}).get(question)
            sheet[comment] = data.get("question_comments", {}).get(metal.value.lower(), {}).get(question)
    for key in COMPANY_QUESTION_KEYS:
        answer, comment = layout.company_question_cells(key)
        sheet[f"B{answer[1:]}"] = f"{key}."
        sheet[answer] = data.get("company_questions", {}).get(key)
        sheet[comment] = data.get("company_question_comments", {}).get(key)


def _smelter_sheet(sheet: Worksheet, rows: Sequence[Mapping[str, Any]], index: LookupIndex) -> None:
    sheet[f"Q{layout.SMELTER_HEADER_ROW - 1}"] = _REVISION_TEXT
    for column, header in enumerate(_SMELTER_HEADERS, start=1):
        sheet.cell(layout.SMELTER_HEADER_ROW, column, header)
    for offset, row in enumerate(rows):
        number = layout.SMELTER_HEADER_ROW + 1 + offset
        for column, value in enumerate(_smelter_values(row, index), start=1):
            if value is not None:
                sheet.cell(number, column, value)


def _smelter_values(row: Mapping[str, Any], index: LookupIndex) -> list[Any]:
    """Return the A..R values a portal export holds for one row, resolved like the formulas."""
    entry = _resolve(row, index)
    special = row.get("lookup_name") if fold(row.get("lookup_name") or "") in _SPECIAL else None
    if row.get("not_yet_identified"):
        special = layout.NOT_YET_IDENTIFIED
    values: list[Any] = [row.get("smelter_id"), row.get("metal"), special or row.get("lookup_name")]
    values += [row.get("name"), row.get("country"), None, None, None, None, None]
    if entry is not None:
        values[1:3] = [entry.metal.value, special or row.get("lookup_name") or entry.standard_name]
        values[4:10] = [
            entry.country,
            entry.smelter_id,
            entry.id_source or "RMI",
            None,
            entry.city,
            entry.state_province,
        ]
    values += [row.get(field) for field in _EXTRA_FIELDS]
    values.append(entry.standard_name if entry else None)
    return values


_SPECIAL = (fold(layout.NOT_LISTED), fold(layout.NOT_YET_IDENTIFIED))


def _resolve(row: Mapping[str, Any], index: LookupIndex) -> LookupEntry | None:
    smelter_id = normalize_smelter_id(row.get("smelter_id"))
    if smelter_id is not None:
        return index.by_id.get(smelter_id)
    metal: Metal | None = parse_metal(row.get("metal"))
    return index.find_alias(metal, row.get("lookup_name"))


def _product_sheet(sheet: Worksheet, products: Sequence[Mapping[str, Any]]) -> None:
    sheet["B5"], sheet["C5"], sheet["D5"] = "Responder’s Product Number (*)", "Responder’s Product Name", "Comments"
    for offset, product in enumerate(products):
        row = layout.PRODUCT_HEADER_ROW + 1 + offset
        sheet[f"B{row}"], sheet[f"C{row}"], sheet[f"D{row}"] = (
            product.get("number"),
            product.get("name"),
            product.get("comments"),
        )


def _lookup_sheet(sheet: Worksheet, reference: Sequence[LookupEntry]) -> None:
    sheet["A1"] = "Smelter reference facts from the Responsible Minerals Initiative's Smelter Look-up."
    for column, header in enumerate(_LOOKUP_HEADERS, start=1):
        sheet.cell(layout.LOOKUP_HEADER_ROW, column, header)
    row = layout.LOOKUP_HEADER_ROW + 1
    for metal in sorted(Metal, key=lambda m: m.value):
        for entry in (e for e in reference if e.metal is metal):
            values = (metal.value, entry.lookup_name, entry.standard_name, entry.country, entry.smelter_id)
            for column, value in enumerate((*values, entry.id_source, None, entry.city, entry.state_province), 1):
                sheet.cell(row, column, value)
            row += 1
        for special in (layout.NOT_LISTED, layout.NOT_YET_IDENTIFIED):
            sheet.cell(row, 1, metal.value)
            sheet.cell(row, 2, special)
            row += 1
