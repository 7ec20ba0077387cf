"""Read one CMRT workbook into a CmrtDocument: the orchestration of the cmrt stages."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.checker import run_checker
from conflict_minerals.cmrt.container import Container, open_container
from conflict_minerals.cmrt.declaration import read_answers, read_company, read_company_answers
from conflict_minerals.cmrt.detect import detect, lookup_list_date
from conflict_minerals.cmrt.fastsheet import fast_grid
from conflict_minerals.cmrt.grid import Grid, Workbook, column_letter
from conflict_minerals.cmrt.lookup import Parsed, read_lookup, read_lookup_keyed
from conflict_minerals.cmrt.smelter_list import read_products, read_smelter_list
from conflict_minerals.cmrt.values import CONTROL, control_seen, reset_control_seen
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.model import CmrtDocument, Finding, Severity, SourceRef, TemplateInfo


def read_cmrt(path: str | Path, data: bytes | None = None) -> CmrtDocument:
    """Read a supplier CMRT (from `data` when the bytes are in hand); raise UnreadableFileError if unreadable."""
    reset_control_seen()
    container = open_container(path, data)
    book = Workbook(container)
    source = SourceRef(str(path))
    declaration = book.sheet(layout.DECLARATION, max_rows=120)
    if declaration is None:
        raise UnreadableFileError(
            str(path),
            UnreadableKind.NOT_CMRT,
            "this workbook has no Declaration sheet, so it is not a CMRT; ask the supplier for the RMI CMRT.",
        )
    detected = detect(book, declaration)
    layout_version = layout.layout_for(detected.version)
    template = TemplateInfo(detected.type, detected.version, detected.language, layout_version)
    findings: list[Finding] = revision_findings(source, template)

    company, found = read_company(declaration, source)
    findings += found
    answers, found = read_answers(declaration, source)
    findings += found
    company_answers, found = read_company_answers(declaration, source)
    findings += found

    with open_zip(container) as archive:  # opened once for the look-up's key and the Smelter List
        lookup, index = _lookup(container, book, archive)
        smelter_grid = _smelter_grid(container, book, archive)
    match_special = layout.version_key(layout_version) >= layout.version_key("6.22")
    smelters, found = read_smelter_list(smelter_grid, index, source, match_special)
    findings += found
    product_grid = book.sheet(layout.PRODUCT_LIST)
    products = read_products(product_grid, layout.product_last_row(layout_version))
    if control_seen():  # only then look for where: scanning every cell of every file would cost more
        findings += control_findings(source, (declaration, smelter_grid, product_grid))

    document = CmrtDocument(
        source=source,
        sha256=hashlib.sha256(container.data).hexdigest(),
        template=template,
        company=company,
        answers=answers,
        company_answers=company_answers,
        smelters=smelters,
        products=products,
        lookup=lookup,
        lookup_revision=f"CMRT {detected.version}" if lookup else None,
        lookup_list_date=lookup_list_date(book.sheet(layout.REVISION), detected.version) if lookup else None,
    )
    return dataclasses.replace(document, findings=tuple(findings + run_checker(document)))


def _part(container: Container, book: Workbook, sheet: str) -> str | None:
    real = book.real_name(sheet)
    return container.sheet_parts.get(real) if real else None


@contextmanager
def open_zip(container: Container) -> Iterator[zipfile.ZipFile | None]:
    """The workbook's zip archive (None for a legacy .xls)."""
    if container.kind != "xlsx":
        yield None
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(container.data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _damaged(container) from None
    with archive:
        yield archive


def _damaged(container: Container) -> UnreadableFileError:
    return UnreadableFileError(
        container.path, UnreadableKind.CORRUPT, "the workbook is damaged; ask the supplier to send it again."
    )


def _lookup(container: Container, book: Workbook, archive: zipfile.ZipFile | None) -> Parsed:
    """The file's own look-up, parsed once per distinct content in a run.

    The cache key is the SHA-256 of the sheet and of the shared strings it names: a zip directory's
    CRC and size are the file's own claims and can be forged, so another file's look-up could be
    served in place of this one's.
    """
    part = _part(container, book, layout.SMELTER_LOOKUP)
    if part is None or archive is None:
        return read_lookup(book.sheet(layout.SMELTER_LOOKUP))
    try:
        digests = tuple(
            hashlib.sha256(_stored_bytes(container.data, archive.getinfo(name))).hexdigest()
            for name in (part, "xl/sharedStrings.xml")
            if name in archive.NameToInfo
        )
    except (KeyError, ValueError):
        raise _damaged(container) from None
    return read_lookup_keyed(("sha256", *digests), lambda: book.sheet(layout.SMELTER_LOOKUP))


def _stored_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes as stored in the zip (compressed): the same stored bytes always inflate the same."""
    start = info.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        raise ValueError("no local header")
    name_length, extra_length = struct.unpack("<HH", data[start + 26 : start + 30])
    begin = start + 30 + name_length + extra_length
    return bytes([info.compress_type]) + data[begin : begin + info.compress_size]


def _smelter_grid(container: Container, book: Workbook, archive: zipfile.ZipFile | None) -> Grid | None:
    """Read the Smelter List with the fast cell picker, or the full parser when it declines."""
    return fast_sheet(container, book, archive, layout.SMELTER_LIST, layout.SMELTER_LAST_ROW + layout.MAX_SMELTER_ROWS)


def fast_sheet(
    container: Container,
    book: Workbook,
    archive: zipfile.ZipFile | None,
    sheet: str,
    max_rows: int,
    last_column: str = "R",
) -> Grid | None:
    """Read a long list sheet with the fast cell picker (columns A to `last_column`), or the full parser."""
    part = _part(container, book, sheet)
    if part is not None and archive is not None:
        try:
            grid = fast_grid(archive, part, sheet, max_rows, last_column)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError):
            raise _damaged(container) from None
        if grid is not None:
            return grid
    return book.sheet(sheet, max_rows=max_rows)


def control_findings(source: SourceRef, grids: tuple[Grid | None, ...], code: str = "CMRT-D-007") -> list[Finding]:
    """CMRT-D-007 (or the template's own code): control characters in a sheet were removed (one finding per
    sheet, at the first cell)."""
    found = []
    for grid in grids:
        if grid is None:
            continue
        hits = [
            (number, column)
            for number, row in enumerate(grid.rows, start=1)
            if not "".join(v for v in row if type(v) is str).isprintable()
            for column, value in enumerate(row)
            if isinstance(value, str) and CONTROL.search(value)
        ]
        if hits:
            number, column = hits[0]
            cell = f"{column_letter(column)}{number}"
            message = (
                f"{len(hits)} cell(s) held control characters (invisible codes that break other programs); "
                "they were removed."
            )
            found.append(Finding(source.at(grid.name, cell), code, Severity.WARNING, message))
    return found


def revision_findings(source: SourceRef, template: TemplateInfo, code: str = "CMRT-T-002") -> list[Finding]:
    """A warning when a revision was read with the nearest verified layout rather than its own."""
    if template.version == template.layout_version:
        return []
    message = (
        f"{template.type} revision {template.version} is not one we have verified; it was read with the "
        f"{template.layout_version} layout. Check the result against the workbook."
    )
    return [Finding(source.at(layout.DECLARATION, layout.REVISION_CELL), code, Severity.WARNING, message)]
