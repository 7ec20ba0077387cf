"""Read a table a user downloads (RMI facility lists, EU CAHRA lists): CSV, XLSX, XLS or Excel 2003 XML.

Returns plain rows of values; finding the header and the meaning of columns is the
caller's job. Files pass the same safety checks as supplier workbooks.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import defusedxml.ElementTree as SafeET

from conflict_minerals.cmrt.container import MAX_FILE_BYTES, open_container
from conflict_minerals.cmrt.grid import Workbook
from conflict_minerals.errors import UnreadableFileError, UnreadableKind

Rows = list[list[object]]
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
MAX_TABLE_ROWS = 200_000


def read_table(path: str | Path) -> tuple[str, Rows]:
    """Return (format, rows of the first sheet that has data) for a CSV, XLSX, XLS or SpreadsheetML file."""
    name = str(path)
    head = _head(name)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx" if head.startswith(b"PK") else "xls", _excel_rows(name)
    text_head = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if text_head.startswith(b"<?xml") or text_head.startswith(b"<workbook"):
        return "spreadsheetml", _spreadsheetml_rows(name)
    return "csv", _csv_rows(name)


def _head(name: str) -> bytes:
    try:
        with open(name, "rb") as handle:
            return handle.read(512)
    except OSError:
        raise UnreadableFileError(name, UnreadableKind.NOT_FOUND, "no such file.") from None


def _excel_rows(name: str) -> Rows:
    book = Workbook(open_container(name))
    for sheet in book.sheet_names:
        grid = book.sheet(sheet, max_rows=MAX_TABLE_ROWS)
        if grid is not None and any(any(cell not in ("", None) for cell in row) for row in grid.rows[:50]):
            return [list(row) for row in grid.rows]
    return []


def _spreadsheetml_rows(name: str) -> Rows:
    data = Path(name).read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFileError(name, UnreadableKind.TOO_LARGE, "the list is larger than 64 MB.")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except Exception:  # defusedxml raises its own types for DTDs and entities, ParseError for damage
        raise UnreadableFileError(
            name, UnreadableKind.CORRUPT, "this XML file is damaged or not an Excel 2003 XML spreadsheet."
        ) from None
    if root.tag != f"{_SS}Workbook":
        raise UnreadableFileError(name, UnreadableKind.NOT_EXCEL, "this XML file is not an Excel 2003 XML spreadsheet.")
    for table in root.iter(f"{_SS}Table"):
        rows = [_xml_row(row) for row in table.iter(f"{_SS}Row")]
        if any(rows):
            return rows[:MAX_TABLE_ROWS]
    return []


def _xml_row(row: object) -> list[object]:
    values: list[object] = []
    for cell in row.iter(f"{_SS}Cell"):  # type: ignore[attr-defined]
        index = cell.get(f"{_SS}Index")
        if index:  # ss:Index skips empty cells
            values += [""] * (int(index) - 1 - len(values))
        data = cell.find(f"{_SS}Data")
        values.append("".join(data.itertext()).strip() if data is not None else "")
    return values


def _csv_rows(name: str) -> Rows:
    raw = Path(name).read_bytes()[: MAX_FILE_BYTES + 1]
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableFileError(name, UnreadableKind.TOO_LARGE, "the list is larger than 64 MB.")
    if b"\0" in raw[:4096]:
        raise UnreadableFileError(name, UnreadableKind.NOT_EXCEL, "this is not a CSV, XLSX or Excel XML list.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows: Rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    return rows[:MAX_TABLE_ROWS]
