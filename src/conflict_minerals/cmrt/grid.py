"""A thin layer over python-calamine: sheets as grids addressed by A1 references."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import python_calamine as calamine

from conflict_minerals.cmrt.container import Container
from conflict_minerals.cmrt.values import fold
from conflict_minerals.errors import UnreadableFileError, UnreadableKind

_A1 = re.compile(r"^([A-Z]+)(\d+)$")
CellValue = object


def column_index(letters: str) -> int:
    """Return the 0-based index of a column: A -> 0, AB -> 27."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def column_letter(index: int) -> str:
    """Return the letters of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def split_ref(ref: str) -> tuple[int, int]:
    """Return the 0-based (row, column) of an A1 reference."""
    match = _A1.match(ref)
    if match is None:
        raise ValueError(f"not an A1 reference: {ref}")
    return int(match.group(2)) - 1, column_index(match.group(1))


class Grid:
    """The values of one sheet, read once, addressed by Excel row numbers and A1 references."""

    def __init__(self, name: str, rows: Sequence[Sequence[CellValue]]) -> None:
        self.name = name
        self.rows = rows

    @property
    def last_row(self) -> int:
        """Return the 1-based number of the last row that has any cell."""
        return len(self.rows)

    def cell(self, ref: str) -> CellValue:
        """Return the value at an A1 reference, or '' when outside the used range."""
        row, col = split_ref(ref)
        return self.at(row + 1, col)

    def at(self, row: int, col: int) -> CellValue:
        """Return the value at a 1-based row and 0-based column."""
        if row < 1 or row > len(self.rows):
            return ""
        values = self.rows[row - 1]
        return values[col] if col < len(values) else ""

    def row(self, row: int) -> Sequence[CellValue]:
        """Return the values of a 1-based row (empty when outside the used range)."""
        return self.rows[row - 1] if 1 <= row <= len(self.rows) else ()


class Workbook:
    """An open workbook whose sheets are read lazily and only once."""

    def __init__(self, container: Container) -> None:
        self.path = container.path
        try:
            self._book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(container.data))
        except Exception as exc:  # calamine reports damage through several exception types
            raise _damaged(container.path, exc) from None
        self._names = {fold(name): name for name in self._book.sheet_names}
        self._cache: dict[str, tuple[int | None, Grid | None]] = {}

    @property
    def sheet_names(self) -> list[str]:
        """Return the sheet names in workbook order."""
        return list(self._book.sheet_names)

    def real_name(self, name: str) -> str | None:
        """Return the workbook's own name for a sheet: exact after trimming and case, else a renamed copy.

        Suppliers' tools sometimes rename sheets ("Declaration (2)", "Smelter List 1"); such a name
        is accepted when it starts with the expected one.
        """
        key = fold(name)
        if key in self._names:
            return self._names[key]
        return next((real for folded, real in self._names.items() if folded.startswith(key)), None)

    def has_sheet(self, name: str) -> bool:
        """Tell whether a sheet exists (see real_name)."""
        return self.real_name(name) is not None

    def sheet(self, name: str, max_rows: int | None = None) -> Grid | None:
        """Return a sheet's grid, or None when the workbook has no such sheet."""
        key = fold(name)
        cached = self._cache.get(key)
        if cached is None or not _covers(cached[0], max_rows):
            cached = (max_rows, self._load(key, max_rows))
            self._cache[key] = cached
        return cached[1]

    def _load(self, key: str, max_rows: int | None) -> Grid | None:
        real = self.real_name(key)
        if real is None:
            return None
        try:
            sheet = self._book.get_sheet_by_name(real)
            rows = sheet.to_python(skip_empty_area=False, nrows=max_rows)
        except Exception as exc:  # see __init__
            raise _damaged(self.path, exc) from None
        return Grid(real, rows)


def _covers(loaded: int | None, wanted: int | None) -> bool:
    """Tell whether a grid read with `loaded` rows (None: all) serves a request for `wanted`."""
    return loaded is None or (wanted is not None and wanted <= loaded)


def _damaged(path: str, exc: Exception) -> UnreadableFileError:
    if isinstance(exc, calamine.PasswordError):
        return UnreadableFileError(path, UnreadableKind.ENCRYPTED, "the workbook is password-protected.")
    return UnreadableFileError(
        path, UnreadableKind.CORRUPT, "the workbook is damaged and cannot be read; ask the supplier to send it again."
    )
