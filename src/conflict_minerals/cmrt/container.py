"""Sniff a supplier file and check it is safe to hand to a spreadsheet parser.

Every file is hostile until read: we look at the zip directory before anything is
decompressed, refuse DTDs (XML entity tricks Excel never writes), and bound the size
of every part and the row count of every sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as SafeET

from conflict_minerals.errors import UnreadableFileError, UnreadableKind

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PART_BYTES = 96 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 400  # deflate tops out near 1032:1; real workbooks stay far below this
MAX_ENTRIES = 5_000
MAX_SHEET_ROWS = 65_536  # the look-up and country sheets have a few thousand rows at most
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True, slots=True)
class Container:
    """A file that passed the safety checks, ready for the spreadsheet parser."""

    path: str
    data: bytes
    kind: str  # "xlsx" or "xls"
    sheet_parts: dict[str, str]  # sheet name -> zip part (xlsx only)


def open_container(path: str | Path, data: bytes | None = None) -> Container:
    """Read a file's bytes (unless given), identify the container and run the safety checks."""
    name = str(path)
    if data is None:
        data = _read_bounded(name)
    elif len(data) > MAX_FILE_BYTES:
        raise _error(name, UnreadableKind.TOO_LARGE, "the file is larger than 64 MB; a CMRT is about 1.5 MB.")
    if not data:
        raise _error(name, UnreadableKind.EMPTY, "the file is empty (0 bytes); ask the supplier to send it again.")
    if data.startswith(ZIP_MAGIC):
        return Container(name, data, "xlsx", _check_zip(name, data))
    if data.startswith(OLE_MAGIC):
        return _open_ole(name, data)
    raise _error(name, UnreadableKind.NOT_EXCEL, _not_excel_message(data))


def _read_bounded(name: str) -> bytes:
    try:
        with open(name, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _error(name, UnreadableKind.NOT_FOUND, "no such file.") from None
    except IsADirectoryError:
        raise _error(name, UnreadableKind.NOT_FOUND, "this is a folder, not a file.") from None
    except OSError as exc:
        raise _error(name, UnreadableKind.NOT_FOUND, f"cannot open the file ({exc.strerror}).") from None
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise _error(
            name,
            UnreadableKind.TOO_LARGE,
            f"the file is larger than {limit} MB; a CMRT is about 1.5 MB. Ask the supplier for the plain template.",
        )
    return data


def _not_excel_message(data: bytes) -> str:
    head = data[:8].lstrip()
    if head.startswith(b"%PDF"):
        kind = "a PDF document, not an Excel workbook"
    elif head[:1] in (b"<",):
        kind = "an HTML or XML document, not an Excel workbook"
    else:
        kind = "not an Excel workbook"
    return f"this file is {kind}; ask the supplier for the CMRT as .xlsx."


def _check_zip(name: str, data: bytes) -> dict[str, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _error(
            name, UnreadableKind.CORRUPT, "the workbook is damaged or truncated; ask the supplier to send it again."
        ) from None
    with archive:
        infos = archive.infolist()
        _check_directory(name, infos)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise _error(name, UnreadableKind.NOT_EXCEL, _zip_kind_message(names))
        try:
            return _check_parts(name, archive)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, SafeET.ParseError):
            raise _error(
                name, UnreadableKind.CORRUPT, "the workbook is damaged or truncated; ask the supplier to send it again."
            ) from None


def _check_directory(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise _error(name, UnreadableKind.HOSTILE, f"the workbook holds {len(infos)} parts; this is not a CMRT.")
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise _error(name, UnreadableKind.ENCRYPTED, "the workbook is password-protected; ask for an open copy.")
        if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
            raise _error(name, UnreadableKind.TOO_LARGE, _too_large_message(info.file_size, total))
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _error(
                name,
                UnreadableKind.HOSTILE,
                "the workbook expands to far more than it could hold (a 'zip bomb'); it was not opened.",
            )


def _too_large_message(part: int, total: int) -> str:
    size = max(part, total) // (1024 * 1024)
    return f"the workbook expands to {size} MB or more; a CMRT needs about 10 MB. It was not opened."


def _zip_kind_message(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "this is a Word document, not an Excel workbook; ask the supplier for the CMRT."
    if "ppt/presentation.xml" in names:
        return "this is a PowerPoint file, not an Excel workbook; ask the supplier for the CMRT."
    return "this zip archive is not an Excel workbook; ask the supplier for the CMRT as .xlsx."


def _check_parts(name: str, archive: zipfile.ZipFile) -> dict[str, str]:
    """Refuse DTDs and sheets declaring too many rows; return the sheet name -> part map."""
    for part in ("xl/workbook.xml", "xl/sharedStrings.xml", "xl/_rels/workbook.xml.rels"):
        if part in archive.NameToInfo:
            _refuse_dtd(name, _head(archive, part))
    sheet_parts = _sheet_parts(archive)
    for sheet, part in sheet_parts.items():
        if part not in archive.NameToInfo:
            continue
        head = _head(archive, part)
        _refuse_dtd(name, head)
        match = _DIMENSION.search(head)
        declared = int(match.group(1)) if match else 0
        if declared > MAX_SHEET_ROWS:
            raise _error(
                name,
                UnreadableKind.TOO_LARGE,
                f"sheet '{sheet}' has {declared:,} rows; RMI's templates hold at most 2,504 rows in a list. "
                "Ask the supplier to remove the extra rows.",
            )
    return sheet_parts


def _head(archive: zipfile.ZipFile, part: str) -> bytes:
    with archive.open(part) as stream:
        return stream.read(2048)


def _refuse_dtd(name: str, head: bytes) -> None:
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _error(
            name,
            UnreadableKind.HOSTILE,
            "the workbook contains XML declarations that Excel never writes (possible attack); it was not opened.",
        )


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map sheet names to their part paths from workbook.xml and its relationships."""
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in archive.NameToInfo:
        return {}
    rels = SafeET.fromstring(archive.read(rels_name))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        if target:
            parts[sheet.get("name", "")] = _resolve_target(target)
    return parts


def _resolve_target(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in PurePosixPath("xl", target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _open_ole(name: str, data: bytes) -> Container:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile signals damage with OSError, ValueError and others
        raise _error(name, UnreadableKind.CORRUPT, "the file is damaged; ask the supplier to send it again.") from None
    with ole:
        streams = {"/".join(entry) for entry in ole.listdir()}
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        raise _error(
            name,
            UnreadableKind.ENCRYPTED,
            "the workbook is password-protected; ask the supplier for a copy without a password to open.",
        )
    if "Workbook" not in streams and "Book" not in streams:
        raise _error(name, UnreadableKind.NOT_EXCEL, "this is an old Office file but not an Excel workbook.")
    return Container(name, _decrypt_legacy(name, data), "xls", {})


def _decrypt_legacy(name: str, data: bytes) -> bytes:
    """Return a legacy .xls as is, or decrypted with Excel's built-in default password."""
    import msoffcrypto

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if not office.is_encrypted():
            return data
        office.load_key(password=EXCEL_DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
        return out.getvalue()
    except Exception:  # msoffcrypto raises many unrelated types for the same cause
        raise _error(
            name,
            UnreadableKind.ENCRYPTED,
            "the legacy .xls workbook is password-protected; ask the supplier for an open .xlsx copy.",
        ) from None


def _error(name: str, kind: UnreadableKind, message: str) -> UnreadableFileError:
    return UnreadableFileError(name, kind, message)
