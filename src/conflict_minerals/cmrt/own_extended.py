"""An extended template in its layout as data, written by us with openpyxl (the demo's EMRT supplier).

Like `writer.write_cmrt`, this is for files we make ourselves when no RMI workbook may be used
(bundled example data); the company's own templates are patched into RMI's real workbooks instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.templates import MINE_COLUMNS, layout_for
from conflict_minerals.cmrt.writer import _as_text
from conflict_minerals.model import TEMPLATE_TITLES


def write_own_extended(out: str | Path, kind: str, version: str, data: Mapping[str, Any]) -> None:
    """Write `data` (company, minerals, answers, company_answers, smelters, mines) as a `kind` workbook."""
    spec, _ = layout_for(kind, version)
    book = Workbook()
    revision = book.active
    assert revision is not None
    revision.title = layout.REVISION
    revision["B3"] = TEMPLATE_TITLES[kind]
    declaration = book.create_sheet(layout.DECLARATION)
    declaration[layout.LANGUAGE_CELL] = "English"
    declaration[layout.REVISION_CELL] = f"Revision {version}"
    company = data.get("company", {})
    for field, ref in spec.company_cells.items():
        value = company.get(field)
        if field == "declaration_scope":
            value = layout.SCOPE_OPTIONS.get(value, value)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        declaration[ref] = value
    minerals = sorted(data.get("minerals", spec.fixed_minerals), key=str.casefold)
    for slot, mineral in zip(spec.mineral_slots, minerals, strict=False):
        declaration[slot] = mineral
    answers = data.get("answers", {})
    for question in spec.questions:
        for index, mineral in enumerate(minerals):
            declaration[f"B{question.header_row + 1 + index}"] = mineral
            declaration[f"D{question.header_row + 1 + index}"] = answers.get(mineral, {}).get(question.key)
    company_answers = data.get("company_answers", {})
    for company_question in spec.company_questions:
        if company_question.per_mineral:
            for index in range(len(minerals)):
                value = company_answers.get(company_question.key)
                declaration[f"D{company_question.row + 1 + index}"] = value
        else:
            declaration[f"D{company_question.row}"] = company_answers.get(company_question.key)
    _rows(book.create_sheet(layout.SMELTER_LIST), spec.smelter_columns, data.get("smelters", ()))
    if spec.mine_list:
        _rows(book.create_sheet("Mine List"), MINE_COLUMNS, data.get("mines", ()))
    book.create_sheet(layout.PRODUCT_LIST)
    _as_text(book)
    book.save(out)


def _rows(sheet: Any, columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]]) -> None:
    for offset, row in enumerate(rows):
        for name, value in row.items():
            if name in columns:
                sheet[f"{columns[name]}{5 + offset}"] = value
