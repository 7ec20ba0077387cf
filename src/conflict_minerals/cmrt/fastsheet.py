"""Read only the cells we need from a large worksheet part, without parsing the whole sheet.

The Smelter List of a CMRT is ~7 MB of XML, nearly all of it formulas repeated over
2,500 rows. We inflate the part ourselves (bounded by the size the zip directory
declares) and pick out the cells of columns A-R that hold a value; everything else is
skipped at C speed. Shared strings are decoded only for the indices those cells use.
Anything unusual (prefixed XML, cells without references) returns None and the caller
falls back to the full parser.
"""

from __future__ import annotations

import html
import re
import weakref
import zipfile
import zlib
from collections.abc import Sequence

from conflict_minerals.cmrt.grid import Grid

# One cell starting at a known offset: reference, attributes, optional formula, value or inline string.
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>|<is>(.*?)</is>)?</c>)',
    re.DOTALL,
)
# Where a value starts: a non-empty <v> or an inline string. Found at C speed.
_VALUE_START = re.compile(rb"<v>[^<]|<is>")
_TYPE = re.compile(rb't="(\w+)"')
_TEXT_RUN = re.compile(rb"<t[^>]*>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh.*?</rPh>", re.DOTALL)
_LAST_COLUMN = ord("R")
_SPLIT_STRINGS: weakref.WeakKeyDictionary[zipfile.ZipFile, list[bytes]] = weakref.WeakKeyDictionary()


def read_part_bounded(archive: zipfile.ZipFile, part: str) -> bytes:
    """Inflate one part, never producing more than its declared size (a lying header is refused)."""
    info = archive.getinfo(part)
    if info.compress_type == zipfile.ZIP_STORED:
        return archive.read(part)
    with archive.open(part) as stream:  # zipfile checks the CRC and the declared size as it reads
        data = stream.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise zlib.error("part larger than declared")
    return data


def fast_grid(archive: zipfile.ZipFile, part: str, name: str, max_rows: int, last_column: str = "R") -> Grid | None:
    """Return a grid of the A-R cells (or A to `last_column`) of a sheet part that hold values, or None."""
    last = min(ord(last_column), _LAST_COLUMN)
    data = read_part_bounded(archive, part)
    if b"<sheetData" not in data:
        return None  # namespace-prefixed XML: let the full parser do it
    rows: dict[int, list[object]] = {}
    shared: list[tuple[int, int, int]] = []
    for hit in _VALUE_START.finditer(data):
        start = data.rfind(b'<c r="', 0, hit.start())
        if start < 0 or data.find(b"<c ", start + 1, hit.start()) >= 0:
            return None  # a cell without a leading r= attribute: not the layout we expect
        column = data[start + 6]
        if column > last or 65 <= data[start + 7] <= 90:
            continue  # hidden helper columns S and beyond
        match = _CELL.match(data, start)
        if match is None:
            return None
        number = int(match.group(2))
        if number > max_rows:
            break
        value, is_shared = _value(match)
        if value is None:
            continue
        cells = rows.setdefault(number, [""] * 18)
        col = column - 65
        if is_shared:
            shared.append((number, col, int(value)))  # type: ignore[call-overload]
        else:
            cells[col] = value
    if shared:
        strings = _shared_strings(archive, sorted({index for _, _, index in shared}))
        if strings is None:
            return None
        for number, col, index in shared:
            rows[number][col] = strings[index]
    last = max(rows, default=0)
    return Grid(name, [rows.get(number, ()) for number in range(1, last + 1)])


def _value(match: re.Match[bytes]) -> tuple[object | None, bool]:
    raw, inline = match.group(4), match.group(5)
    kind_match = _TYPE.search(match.group(3))
    kind = kind_match.group(1) if kind_match else b"n"
    if inline is not None:
        return _unescape(b"".join(_TEXT_RUN.findall(_PHONETIC.sub(b"", inline)))) or None, False
    if not raw:
        return None, False
    if kind == b"s":
        return raw, True
    if kind in (b"str", b"e", b"d"):
        return _unescape(raw), False
    if kind == b"b":
        return raw == b"1", False
    try:
        return float(raw), False
    except ValueError:
        return _unescape(raw), False


_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(raw: bytes) -> str:
    """Decode XML entities and OOXML's `_xHHHH_` escapes, as Excel shows the text."""
    text = raw.decode("utf-8", errors="replace")
    text = html.unescape(text) if "&" in text else text
    return _XESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _shared_strings(archive: zipfile.ZipFile, indices: Sequence[int]) -> dict[int, str] | None:
    """Decode only the shared strings at the given indices; None when the table is not as expected."""
    if "xl/sharedStrings.xml" not in archive.NameToInfo:
        return None
    items = _SPLIT_STRINGS.get(archive)
    if items is None:  # several sheets of one workbook share the table: inflate and split it once
        items = _SPLIT_STRINGS[archive] = read_part_bounded(archive, "xl/sharedStrings.xml").split(b"<si>")
    if not indices or indices[0] < 0 or indices[-1] >= len(items) - 1:
        return None
    return {index: _unescape(b"".join(_TEXT_RUN.findall(_PHONETIC.sub(b"", items[index + 1])))) for index in indices}
