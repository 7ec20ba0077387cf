"""Write values into a real RMI workbook by editing its XML, keeping every formula and validation.

openpyxl drops the data-validation extensions the CMRT uses for its drop-down lists, so the
company's own CMRT is written by patching cells in place instead: each given cell is replaced
(keeping its style), stray typed values over the Smelter List formulas are turned back into
formulas, and the workbook is marked to recalculate when opened.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formula.translate import Translator

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.container import _sheet_parts
from conflict_minerals.cmrt.grid import column_index, split_ref

Value = str | int | float | dt.date | None
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_STYLE = re.compile(rb'\ss="(\d+)"')
_FORMULA = re.compile(rb"<f([^>]*)>([^<]*)</f>")
_FORMULA_COLUMNS = ("B", "C", "E", "F", "G", "H", "I", "J", "R")
_ANY_FORMULA = re.compile(rb"<f[^>]*/>|<f[^>]*>[^<]*</f>")
_TYPE = re.compile(rb'\st="[^"]*"')
_CALC_CHAIN = "xl/calcChain.xml"


def patch_workbook(
    template: Path,
    out: Path,
    cells: Mapping[str, Mapping[str, Value]],
    stale: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Copy `template` to `out` with {sheet: {A1: value}} written in, formulas and validations kept.

    The formulas named in `stale` ({sheet: cells}) lose their cached result, so a reader that does
    not calculate finds nothing out of date; Excel recalculates everything when the file opens.
    """
    with zipfile.ZipFile(template) as source:
        parts = _sheet_parts(source)
        names = {name.casefold(): part for name, part in parts.items()}
        changed: dict[str, bytes] = {}
        for sheet in {*cells, *(stale or {})}:
            part = names[sheet.casefold()]
            xml = source.read(part)
            if sheet == layout.SMELTER_LIST:
                xml = restore_smelter_formulas(xml)
            if stale and stale.get(sheet):
                xml = drop_cached(xml, stale[sheet])
            changed[part] = set_cells(xml, cells.get(sheet, {}))
        changed["xl/workbook.xml"] = _recalculate_on_open(source.read("xl/workbook.xml"))
        if _CALC_CHAIN in source.NameToInfo:  # it lists formulas that are now values; Excel rebuilds it
            for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                changed[name] = re.sub(rb"<(?:Override|Relationship)\b[^>]*calcChain[^>]*/>", b"", source.read(name))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename == _CALC_CHAIN:
                    continue
                target.writestr(
                    info, changed.get(info.filename, source.read(info.filename)), compress_type=zipfile.ZIP_DEFLATED
                )


def drop_cached(xml: bytes, refs: Collection[str]) -> bytes:
    """Keep the formulas of the given cells but not their cached results (as openpyxl writes formulas)."""
    wanted = {ref.encode() for ref in refs}

    def strip(match: re.Match[bytes]) -> bytes:
        ref = match.group(1) + match.group(2)
        formula = _ANY_FORMULA.search(match.group(4) or b"") if ref in wanted else None
        if formula is None:
            return match.group(0)
        return b'<c r="%s"%s>%s<v/></c>' % (ref, _TYPE.sub(b"", match.group(3)), formula.group(0))

    return _CELL.sub(strip, xml)


def _cell_xml(ref: str, style: bytes | None, value: Value) -> bytes:
    attributes = f' r="{ref}"' + (f' s="{style.decode()}"' if style else "")
    if value is None or value == "":
        return f"<c{attributes}/>".encode()
    if isinstance(value, bool):
        return f'<c{attributes} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime.combine(_EXCEL_EPOCH, dt.time())) / dt.timedelta(days=1)
        value = int(serial) if serial.is_integer() else serial
    elif isinstance(value, dt.date):
        value = (value - _EXCEL_EPOCH).days
    if isinstance(value, (int, float)):
        return f"<c{attributes}><v>{value}</v></c>".encode()
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))  # no control character a worksheet may not hold
    return f'<c{attributes} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'.encode()


def set_cells(xml: bytes, values: Mapping[str, Value]) -> bytes:
    """Set cells of one sheet's XML; missing cells and rows are inserted in order."""
    remaining = dict(values)

    def replace(match: re.Match[bytes]) -> bytes:
        ref = (match.group(1) + match.group(2)).decode()
        if ref not in remaining:
            return match.group(0)
        style = _STYLE.search(match.group(3))
        return _cell_xml(ref, style.group(1) if style else None, remaining.pop(ref))

    xml = _CELL.sub(replace, xml)
    for ref, value in sorted(remaining.items(), key=lambda item: split_ref(item[0])):
        if value is not None and value != "":  # clearing a cell that does not exist needs nothing
            xml = _insert_cell(xml, ref, _cell_xml(ref, None, value))
    return xml


def _insert_cell(xml: bytes, ref: str, cell: bytes) -> bytes:
    row_number, column = split_ref(ref)
    row_number += 1
    row = re.search(rb'<row r="%d"[^>]*?(?:/>|>(.*?)</row>)' % row_number, xml, re.DOTALL)
    if row is None:
        new_row = b'<row r="%d">%s</row>' % (row_number, cell)
        later = next((m for m in re.finditer(rb'<row r="(\d+)"', xml) if int(m.group(1)) > row_number), None)
        if later is not None:
            return xml[: later.start()] + new_row + xml[later.start() :]
        return xml.replace(b"</sheetData>", new_row + b"</sheetData>").replace(
            b"<sheetData/>", b"<sheetData>" + new_row + b"</sheetData>"
        )
    if row.group(1) is None:  # <row .../> without cells
        opened = row.group(0)[:-2] + b">" + cell + b"</row>"
        return xml[: row.start()] + opened + xml[row.end() :]
    position = row.end() - len(b"</row>")
    for existing in _CELL.finditer(xml, row.start(), row.end()):
        if column_index(existing.group(1).decode()) > column:
            position = existing.start()
            break
    return xml[:position] + cell + xml[position:]


def restore_smelter_formulas(xml: bytes) -> bytes:
    """Turn values typed over the Smelter List's formula columns back into the row's formulas (P2, §0)."""
    formulas: dict[str, tuple[bytes, bytes, int]] = {}
    for match in _CELL.finditer(xml):
        column, row = match.group(1).decode(), int(match.group(2))
        body = match.group(4) or b""
        data_row = layout.SMELTER_HEADER_ROW < row <= layout.SMELTER_LAST_ROW
        if data_row and column in _FORMULA_COLUMNS and b't="shared"' not in body and column not in formulas:
            formula = _FORMULA.search(body)
            if formula and formula.group(2):
                formulas[column] = (formula.group(1), formula.group(2), row)

    def restore(match: re.Match[bytes]) -> bytes:
        column, row = match.group(1).decode(), int(match.group(2))
        body = match.group(4) or b""
        if column not in formulas or not (layout.SMELTER_HEADER_ROW < row <= layout.SMELTER_LAST_ROW):
            return match.group(0)
        if _FORMULA.search(body) or not body:
            return match.group(0)
        attributes, text, origin = formulas[column]
        source = "=" + text.decode().replace("&quot;", '"').replace("&amp;", "&").replace("&apos;", "'")
        moved = Translator(source, origin=f"{column}{origin}").translate_formula(f"{column}{row}")[1:]
        style = _STYLE.search(match.group(3))
        style_attr = f' s="{style.group(1).decode()}"' if style else ""
        return (
            f'<c r="{column}{row}"{style_attr} t="str"><f{attributes.decode()}>{escape(moved, {chr(34): "&quot;"})}'
            f"</f><v></v></c>"
        ).encode()

    return _CELL.sub(restore, xml)


def is_rmi_workbook(path: Path) -> bool:
    """Tell whether a file is RMI's own workbook (with its Checker and label sheets), not a re-made copy."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.casefold() for name in _sheet_parts(archive)}
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    # every RMI template has a look-up sheet, except AMRT 1.2, which has its Minerals Scope instead
    return {"checker", "l", "declaration", "smelter list"} <= names and bool(
        {"smelter look-up", "minerals scope"} & names
    )


def external_targets(path: Path) -> list[str] | None:
    """Return where a workbook's external links point, or None when it carries macros (never trusted)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if any(name.casefold().endswith("vbaproject.bin") for name in names):
            return None
        links = [n for n in names if n.startswith("xl/externalLinks/_rels/") and n.endswith(".rels")]
        return [
            target.decode("utf-8", "replace")
            for name in links
            for target in re.findall(rb'Target="([^"]*)"', archive.read(name))
        ]


def _recalculate_on_open(xml: bytes) -> bytes:
    if b"<calcPr" in xml:
        return re.sub(
            rb"<calcPr([^>]*?)(/?)>",
            lambda m: (
                b'<calcPr%s fullCalcOnLoad="1"%s>' % (re.sub(rb'\sfullCalcOnLoad="[^"]*"', b"", m.group(1)), m.group(2))
            ),
            xml,
            count=1,
        )
    return xml.replace(b"</workbook>", b'<calcPr fullCalcOnLoad="1"/></workbook>')
