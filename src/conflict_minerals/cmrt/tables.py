"""Read a table a user downloads (RMI facility lists, EU CAHRA lists): CSV, XLSX, XLS or Excel 2003 XML.

Returns plain rows of values; finding the header and the meaning of columns is the
caller's job. Files pass the same safety checks as supplier workbooks.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections import Counter
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
        info = os.stat(name)
    except OSError:
        raise UnreadableFileError(name, UnreadableKind.NOT_FOUND, "no such file.") from None
    if not stat.S_ISREG(info.st_mode):  # a device, a pipe or a folder would never end or never start
        raise UnreadableFileError(name, UnreadableKind.NOT_EXCEL, "this is not a regular file.")
    if info.st_size > MAX_FILE_BYTES:
        raise UnreadableFileError(name, UnreadableKind.TOO_LARGE, "the list is larger than 64 MB.")
    try:
        with open(name, "rb") as handle:
            return handle.read(512)
    except OSError:
        raise UnreadableFileError(name, UnreadableKind.NOT_FOUND, "the file cannot be opened.") from None


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
        rows = []
        for row in table.iter(f"{_SS}Row"):
            rows.append(_xml_row(name, row))
            if len(rows) >= MAX_TABLE_ROWS:
                break
        if any(rows):
            return rows
    return []


MAX_COLUMNS = 16_384  # Excel's own limit


def _xml_row(name: str, row: object) -> list[object]:
    values: list[object] = []
    for cell in row.iter(f"{_SS}Cell"):  # type: ignore[attr-defined]
        index = cell.get(f"{_SS}Index")
        if index:  # ss:Index skips empty cells
            if not index.isdigit() or int(index) > MAX_COLUMNS:
                raise UnreadableFileError(
                    name, UnreadableKind.HOSTILE, f"a cell claims column {index[:12]}, beyond Excel's 16,384 columns."
                )
            values += [""] * (int(index) - 1 - len(values))
        data = cell.find(f"{_SS}Data")
        values.append("".join(data.itertext()).strip() if data is not None else "")
    return values


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# What lists come in: Unicode, then the legacy code pages of the countries most suppliers write from.
_LEGACY = ["shift_jis", "gbk", "big5", "euc_kr", "cp1252"]


def decode_text(name: str, raw: bytes) -> str:
    """Decode a text table: a BOM, else UTF-8 or UTF-16, else the likeliest legacy code page, else a clear error."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    sample = raw[:4096]
    if sample.count(b"\0") > len(sample) // 4:  # UTF-16 without a BOM: every other byte is zero
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    if b"\0" in sample:
        raise UnreadableFileError(name, UnreadableKind.NOT_EXCEL, "this is not a CSV, XLSX or Excel XML list.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=_LEGACY).best()
    if best is None:
        raise UnreadableFileError(
            name,
            UnreadableKind.CORRUPT,
            "the text encoding of this list could not be recognised; save it as UTF-8 CSV.",
        )
    return str(best)


def _csv_rows(name: str) -> Rows:
    raw = Path(name).read_bytes()[: MAX_FILE_BYTES + 1]
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableFileError(name, UnreadableKind.TOO_LARGE, "the list is larger than 64 MB.")
    text = decode_text(name, raw)
    rows: Rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter_of(text)):
            if len(rows) == MAX_TABLE_ROWS:
                raise UnreadableFileError(
                    name, UnreadableKind.TOO_LARGE, f"the list has more than {MAX_TABLE_ROWS:,} rows; split it."
                )
            rows.append(list(row))
    except csv.Error as exc:  # a field over csv's size limit, a NUL in the text
        raise UnreadableFileError(name, UnreadableKind.CORRUPT, f"this CSV cannot be read ({exc}).") from None
    return rows


def delimiter_of(text: str) -> str:
    """The delimiter most lines agree on (a title line above the table, or one odd row, does not count).

    Python's csv.Sniffer needs every sampled line alike and falls back to commas otherwise; exports
    with a one-cell title row and `;` columns are common.
    """
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for candidate in (",", ";", "\t", "|"):
        counts = Counter(line.count(candidate) for line in lines)
        counts.pop(0, None)
        if not counts:
            continue
        width, agreeing = counts.most_common(1)[0]
        score = agreeing * 1000 + width  # most lines with the same number of delimiters, then more columns
        if score > best_score:
            best, best_score = candidate, score
    return best
