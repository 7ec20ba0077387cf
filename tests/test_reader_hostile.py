"""Files we cannot read end in one clear, typed error within seconds and bounded memory."""

from __future__ import annotations

import resource
import time
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.errors import UnreadableFileError, UnreadableKind
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, template_path


@pytest.fixture
def small_cmrt(tmp_path: Path) -> Path:
    """A valid CMRT made by our own writer: quick to build and to tamper with."""
    path = tmp_path / "good.xlsx"
    write_cmrt(path, FULL_DECLARATION, bundled_snapshot().entries)
    return path


def rewrite_zip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """Copy a workbook, replacing some parts with the given bytes."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, replace.get(info.filename, old.read(info.filename)))
    return target


def sheet_part(path: Path, sheet_index: int) -> str:
    return f"xl/worksheets/sheet{sheet_index}.xml"


def replace_text(source: Path, target: Path, old: bytes, new: bytes) -> Path:
    """Copy a workbook, replacing a byte string in every XML part."""
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    changed = {name: data.replace(old, new) for name, data in parts.items() if old in data}
    assert changed, old
    return rewrite_zip(source, target, changed)


def sheet_of_rows(first: int, last: int, text: str, dimension: str | None = None) -> bytes:
    """A worksheet part with one inline-string cell in column B of each row."""
    rows = "".join(
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>{text}</t></is></c></row>' for n in range(first, last)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def assert_unreadable(path: Path, kind: UnreadableKind, words: str) -> UnreadableFileError:
    with pytest.raises(UnreadableFileError) as caught:
        read_cmrt(path)
    assert caught.value.kind is kind
    assert words in caught.value.message
    assert str(path) in str(caught.value)
    return caught.value


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert_unreadable(path, UnreadableKind.EMPTY, "empty")


def test_missing_file(tmp_path: Path) -> None:
    assert_unreadable(tmp_path / "nope.xlsx", UnreadableKind.NOT_FOUND, "no such file")


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"%PDF-1.7\n...", "PDF"), (b"metal,name,country\nGold,X,CHINA\n", "not an Excel workbook")],
)
def test_not_an_excel_file(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "cmrt.xlsx"
    path.write_bytes(content)
    assert_unreadable(path, UnreadableKind.NOT_EXCEL, words)


def test_truncated_workbook(tmp_path: Path, small_cmrt: Path) -> None:
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(small_cmrt.read_bytes()[: small_cmrt.stat().st_size // 2])
    assert_unreadable(path, UnreadableKind.CORRUPT, "damaged or truncated")


def test_corrupt_part_inside_a_valid_zip(tmp_path: Path, small_cmrt: Path) -> None:
    path = rewrite_zip(small_cmrt, tmp_path / "corrupt.xlsx", {"xl/workbook.xml": b"<workbook><sheets>"})
    assert_unreadable(path, UnreadableKind.CORRUPT, "damaged")


def test_word_document_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cmrt.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert_unreadable(path, UnreadableKind.NOT_EXCEL, "Word document")


def test_password_protected_workbook(tmp_path: Path, small_cmrt: Path) -> None:
    path = tmp_path / "locked.xlsx"
    with open(small_cmrt, "rb") as plain, open(path, "wb") as locked:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", locked)
    assert_unreadable(path, UnreadableKind.ENCRYPTED, "password-protected")


def test_a_workbook_that_is_not_a_cmrt(tmp_path: Path) -> None:
    path = tmp_path / "budget.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Budget 2025"
    book.save(path)
    assert_unreadable(path, UnreadableKind.NOT_CMRT, "not a CMRT")


@pytest.mark.parametrize("name", ["RMI_EMRT_2.0.xlsx", "RMI_EMRT_2.1.xlsx"])
def test_emrt_is_recognised_and_refused(name: str) -> None:
    error = assert_unreadable(template_path(name), UnreadableKind.UNSUPPORTED_TEMPLATE, "EMRT")
    assert "not a CMRT" in error.message


def test_old_revision_is_refused_with_advice(tmp_path: Path, small_cmrt: Path) -> None:
    path = replace_text(small_cmrt, tmp_path / "old.xlsx", b"Revision 6.5", b"Revision 5.12")
    error = assert_unreadable(path, UnreadableKind.UNSUPPORTED_REVISION, "5.12")
    assert "resubmit" in error.message


def test_unknown_newer_revision_is_read_with_a_warning(tmp_path: Path, small_cmrt: Path) -> None:
    doc = read_cmrt(replace_text(small_cmrt, tmp_path / "new.xlsx", b"Revision 6.5", b"Revision 6.6"))

    assert (doc.template.version, doc.template.layout_version) == ("6.6", "6.5")
    assert [(f.code, f.severity.value) for f in doc.findings if f.code == "CMRT-T-002"] == [("CMRT-T-002", "warning")]
    assert doc.smelters[1].smelter_id == "CID001182"


def test_zip_bomb_is_refused_before_decompressing(tmp_path: Path, small_cmrt: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(small_cmrt) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        with new.open("xl/media/filler.bin", "w", force_zip64=True) as filler:
            chunk = b"\0" * (1 << 24)
            for _ in range(32):  # 512 MiB of zeros compress to about half a megabyte
                filler.write(chunk)
    assert path.stat().st_size < 2_000_000
    started = time.perf_counter()
    assert_unreadable(path, UnreadableKind.TOO_LARGE, "expands")
    assert time.perf_counter() - started < 2


def test_high_compression_ratio_is_refused(tmp_path: Path, small_cmrt: Path) -> None:
    with zipfile.ZipFile(small_cmrt) as archive:
        sheet = archive.read(sheet_part(small_cmrt, 3))
    padding = b"<!-- " + b" " * (60 * 1024 * 1024) + b" -->"
    bloated = sheet.replace(b"<sheetData>", padding + b"<sheetData>", 1)
    path = rewrite_zip(small_cmrt, tmp_path / "bloated.xlsx", {sheet_part(small_cmrt, 3): bloated})
    assert_unreadable(path, UnreadableKind.HOSTILE, "zip bomb")


def test_xml_entities_are_never_expanded(tmp_path: Path, small_cmrt: Path) -> None:
    with zipfile.ZipFile(small_cmrt) as archive:
        strings = archive.read(sheet_part(small_cmrt, 2))
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    hostile = laughs + strings.replace(b"Acme Components Ltd.", b"&lol2;", 1)
    path = rewrite_zip(small_cmrt, tmp_path / "entities.xlsx", {sheet_part(small_cmrt, 2): hostile})
    assert_unreadable(path, UnreadableKind.HOSTILE, "XML declarations")


def test_sheet_with_300000_rows_ends_quickly_in_bounded_memory(tmp_path: Path, small_cmrt: Path) -> None:
    sheet = sheet_of_rows(5, 300_005, "Gold", "A1:Q300004")
    path = rewrite_zip(small_cmrt, tmp_path / "huge.xlsx", {sheet_part(small_cmrt, 3): sheet})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    assert_unreadable(path, UnreadableKind.TOO_LARGE, "300,004 rows")
    assert time.perf_counter() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500 * 1024  # KiB on Linux


def test_sheet_without_dimension_is_still_bounded(tmp_path: Path, small_cmrt: Path) -> None:
    path = rewrite_zip(
        small_cmrt, tmp_path / "nodim.xlsx", {sheet_part(small_cmrt, 3): sheet_of_rows(5, 100_005, "Gold")}
    )
    started = time.perf_counter()
    doc = read_cmrt(path)
    assert time.perf_counter() - started < 10
    assert [f.code for f in doc.findings if f.code == "CMRT-S-008"] == ["CMRT-S-008"]
    assert len(doc.smelters) == 5_000


def test_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with open(path, "wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(70 * 1024 * 1024)
    assert_unreadable(path, UnreadableKind.TOO_LARGE, "larger than")


def test_legacy_encrypted_ole_without_workbook_stream(tmp_path: Path) -> None:
    # An OLE container that is neither an encrypted package nor an .xls workbook.
    import olefile  # noqa: F401  (ships with msoffcrypto-tool)

    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(UnreadableFileError) as caught:
        read_cmrt(path)
    assert caught.value.kind in (UnreadableKind.CORRUPT, UnreadableKind.NOT_EXCEL)


def test_part_larger_than_its_zip_header_says_is_refused(tmp_path: Path, small_cmrt: Path) -> None:
    import struct

    path = rewrite_zip(small_cmrt, tmp_path / "liar.xlsx", {sheet_part(small_cmrt, 2): sheet_of_rows(200, 60_000, "x")})
    data = bytearray(path.read_bytes())
    name = sheet_part(small_cmrt, 2).encode()
    position = data.find(name)
    while position >= 0:  # claim 4 KB in the local header and in the central directory
        if data[position - 30 : position - 26] == b"PK\x03\x04":
            struct.pack_into("<I", data, position - 30 + 22, 4096)
        if data[position - 46 : position - 42] == b"PK\x01\x02":
            struct.pack_into("<I", data, position - 46 + 24, 4096)
        position = data.find(name, position + 1)
    path.write_bytes(bytes(data))
    assert_unreadable(path, UnreadableKind.CORRUPT, "damaged")
