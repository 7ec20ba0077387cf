"""EMRT, CRT and AMRT: RMI's real workbooks, filled here with openpyxl, read through the layouts as data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conflict_minerals.cli import cli
from conflict_minerals.cmrt.extended import read_extended
from tests.conftest import template_path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
BLANKS = (
    "RMI_EMRT_1.1.xlsx",
    "RMI_EMRT_1.11.xlsx",
    "RMI_EMRT_1.2.xlsx",
    "RMI_EMRT_1.3.xlsx",
    "RMI_EMRT_2.0.xlsx",
    "RMI_EMRT_2.1.xlsx",
    "RMI_CRT_2.2.xlsx",
    "RMI_CRT_2.21.xlsx",
    "RMI_AMRT_1.2.xlsx",
    "RMI_AMRT_1.3.xlsx",
)


@pytest.mark.parametrize("name", BLANKS)
def test_every_blank_workbook_is_detected_and_read(name: str) -> None:
    document = read_extended(template_path(name))
    kind, version = name.removeprefix("RMI_").removesuffix(".xlsx").split("_")
    assert document.template.type == kind
    assert document.template.version == ("2.2" if version == "2.21" else version)  # 2.21 calls itself 2.2
    assert document.template.layout_version == document.template.version  # every one verified, no warning
    assert not any(f.code.startswith("EXT-T") for f in document.findings)
    assert f"{kind}-C-001" in {f.code for f in document.findings}  # a blank has no company name


def _fill_company(sheet: object, cells: dict[str, object]) -> None:
    for cell, value in cells.items():
        sheet[cell] = value  # type: ignore[index]


def test_emrt_2_answers_follow_the_minerals_selected(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template_path("RMI_EMRT_2.1.xlsx"))
    declaration = book["Declaration"]
    _fill_company(
        declaration,
        {"D8": "Nordic Cells AB", "D9": "A. Company", "D20": "cmrt@nordic.example", "D26": dt.datetime(2026, 2, 1)},
    )
    declaration["E12"] = "(Delete Copper)"
    declaration["D13"] = "(Delete Lithium)"  # leaves Cobalt, Graphite, Mica, Nickel: rows 30-33
    for row, answer in zip(range(30, 34), ("Yes", "No", "Yes", "Unknown"), strict=True):
        declaration[f"D{row}"] = answer
    declaration["D115"] = "Yes"
    declaration["D121"] = "Sometimes"  # C for the second mineral (Graphite): not an option
    smelters = book["Smelter List"]
    smelters["B5"], smelters["C5"], smelters["D5"], smelters["E5"] = "Cobalt", "Smelter not listed", "Kolwezi Co", None
    smelters["B6"], smelters["C6"], smelters["D6"], smelters["E6"] = (
        "Mica",
        "Smelter not listed",
        "Jharkhand Mica",
        "India",
    )
    mines = book["Mine List"]
    mines["A5"], mines["C5"], mines["F5"] = "Cobalt", "Mutanda", "Congo, Democratic Republic of the"
    products = book["Product List"]
    products["B6"], products["C6"], products["D6"] = "NC-100", "Cell module", "REQ-9"
    path = tmp_path / "nordic-emrt.xlsx"
    book.save(path)

    document = read_extended(path)
    assert document.minerals == ("Cobalt", "Graphite", "Mica", "Nickel")
    q1 = {a.mineral: a.value for a in document.answers if a.question == "Q1"}
    assert q1 == {"Cobalt": "Yes", "Graphite": "No", "Mica": "Yes", "Nickel": "Unknown"}
    assert document.answer("Mica", "Q1").cell == "D32"  # type: ignore[union-attr]
    codes = {(f.code, f.source.cell) for f in document.findings}
    assert ("EMRT-D-005", "D121") in codes  # 'Sometimes' is no option of C
    assert ("EMRT-C-006", "E5") in codes  # not listed without a country
    assert ("EMRT-C-007", "B5") in codes  # a mine without its smelter
    assert not any(code in {"EMRT-C-001", "EMRT-C-002", "EMRT-C-003"} for code, _ in codes)
    assert [(r.mineral, r.name, r.country) for r in document.smelters] == [
        ("Cobalt", "Kolwezi Co", None),
        ("Mica", "Jharkhand Mica", "India"),
    ]
    assert [(p.number, p.name) for p in document.products] == [("NC-100", "Cell module")]


def test_amrt_other_minerals_and_crt_fixed_rows(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template_path("RMI_AMRT_1.3.xlsx"))
    declaration = book["Declaration"]
    declaration["D12"], declaration["E12"], declaration["G12"] = "Zinc", "Other [specify below]", "Aluminum"
    declaration["E15"] = "cobalt"  # the specification under the Other slot
    for row, answer in zip(range(31, 34), ("Yes", "No", "Not declaring"), strict=True):
        declaration[f"D{row}"] = answer
    declaration["D43"] = 1  # Q2 for Aluminum: the number 1 is the template's 100%
    amrt = tmp_path / "amrt.xlsx"
    book.save(amrt)
    document = read_extended(amrt)
    assert document.minerals == ("Aluminum", "cobalt", "Zinc")  # Excel's case-insensitive order
    assert document.answer("cobalt", "Q1").value == "No"  # type: ignore[union-attr]
    assert document.answer("Aluminum", "Q2").value == "100%"  # type: ignore[union-attr]

    crt_book = openpyxl.load_workbook(template_path("RMI_CRT_2.21.xlsx"))
    crt_book["Declaration"]["D26"] = "Yes"
    crt_book["Declaration"]["D32"] = "DRC or adjoining countries only"
    crt = tmp_path / "crt.xlsx"
    crt_book.save(crt)
    answers = {a.question: a.value for a in read_extended(crt).answers}
    assert answers["Q1"] == "Yes" and answers["Q2"] == "DRC or adjoining countries only"


def test_an_unknown_later_revision_is_read_with_the_nearest_layout(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template_path("RMI_EMRT_2.1.xlsx"))
    book["Declaration"]["J3"] = "Revision 2.5\nApril 2028"  # a revision nobody has described yet
    path = tmp_path / "emrt-2.5.xlsx"
    book.save(path)
    document = read_extended(path)
    assert (document.template.version, document.template.layout_version) == ("2.5", "2.11.1")  # decimal order
    assert "EXT-T-002" in {f.code for f in document.findings}


def test_the_2026_revisions_are_known_layouts(tmp_path: Path) -> None:
    """No EMRT 2.11 or AMRT 1.31 workbook is available: these are RMI's 2.1 and 1.3 changed as
    templates-2026.md §2-§3 describes (revision literal; 1.31's added minerals; no date cap)."""
    emrt = openpyxl.load_workbook(template_path("RMI_EMRT_2.1.xlsx"))
    emrt["Declaration"]["J3"] = "Revision 2.11.1\nMarch 2026"
    emrt_path = tmp_path / "EMRT_2.11.1.xlsx"
    emrt.save(emrt_path)
    document = read_extended(emrt_path)
    assert (document.template.version, document.template.layout_version) == ("2.11.1", "2.11.1")
    assert "EXT-T-002" not in {f.code for f in document.findings}
    amrt = openpyxl.load_workbook(template_path("RMI_AMRT_1.3.xlsx"))
    declaration_sheet = amrt["Declaration"]
    declaration_sheet["J3"] = "Revision 1.31\nMarch 2026"
    declaration_sheet["D12"], declaration_sheet["E12"] = "Cadmium", "Molybdenum"  # two of the six added minerals
    declaration_sheet["D31"], declaration_sheet["D32"] = "Yes", "No"  # Q1, rows in Excel's order of the two
    amrt_path = tmp_path / "RMI_AMRT_1.31.xlsx"
    amrt.save(amrt_path)
    document = read_extended(amrt_path)
    assert (document.template.version, document.template.layout_version) == ("1.31", "1.31")
    assert "EXT-T-002" not in {f.code for f in document.findings}
    assert set(document.minerals) >= {"Cadmium", "Molybdenum"}


def test_inspect_reads_extended_templates_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["inspect", "--json", str(template_path("RMI_EMRT_2.0.xlsx"))])
    assert result.exit_code == 1, result.output  # read, with the blank's required-field errors
    data = json.loads(result.output)
    assert (data["template"]["type"], data["template"]["version"]) == ("EMRT", "2.0")
    assert data["minerals"] == ["Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel"]
    assert {"answers", "company_answers", "smelters", "mines", "products", "findings"} <= set(data)
    text = CliRunner().invoke(cli, ["inspect", str(template_path("RMI_CRT_2.2.xlsx"))])
    assert "CRT 2.2" in text.output and "Cobalt" in text.output


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_cached_labels_from_a_recalculation_agree(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template_path("RMI_EMRT_2.1.xlsx"))
    book["Declaration"]["E12"] = "(Delete Copper)"
    book["Declaration"]["D30"] = "Yes"
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    assert SOFFICE is not None
    out = tmp_path / "out"
    command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--calc"]
    subprocess.run([*command, "--convert-to", "xlsx", "--outdir", str(out), str(plain)], check=True, timeout=300)
    recalculated = read_extended(out / "plain.xlsx")
    assert recalculated.minerals == read_extended(plain).minerals == ("Cobalt", "Graphite", "Lithium", "Mica", "Nickel")
    assert "EXT-D-001" not in {f.code for f in recalculated.findings}


def test_cmrt_6_6_1_reads_with_the_requester_product_columns(tmp_path: Path) -> None:
    """No CMRT 6.6 workbook is available: this one is RMI's 6.5 changed as templates-2026.md §1 describes."""
    from conflict_minerals.cmrt import read_cmrt
    from tests.conftest import cmrt_template

    book = openpyxl.load_workbook(cmrt_template("6.5"))
    book["Declaration"]["J3"] = "Revision 6.6.1\nNovember 2025"
    products = book["Product List"]
    products["B5"], products["C5"], products["D5"] = "Responder Product Number (*)", "Responder Product Name", None
    products["D5"], products["E5"], products["F5"] = "Requester Product Number", "Requester Product Name", "Comments"
    products["B6"], products["C6"], products["D6"], products["E6"], products["F6"] = (
        "RP-1",
        "Relay",
        "CUST-77",
        "Customer relay",
        "since 2025",
    )
    path = tmp_path / "CMRT_6.6.1.xlsx"
    book.save(path)
    document = read_cmrt(path)
    assert (document.template.version, document.template.layout_version) == ("6.6.1", "6.5")
    assert "CMRT-T-002" in {f.code for f in document.findings}  # read with the nearest layout, and said so
    [product] = document.products
    assert (product.number, product.name, product.comments) == ("RP-1", "Relay", "since 2025")
    assert (product.requester_number, product.requester_name) == ("CUST-77", "Customer relay")


def test_files_the_extended_reader_cannot_take_are_refused_in_one_line(tmp_path: Path) -> None:
    from conflict_minerals.errors import UnreadableFileError
    from tests.conftest import cmrt_template

    with pytest.raises(UnreadableFileError, match="this is a CMRT"):
        read_extended(cmrt_template("6.5"))
    book = openpyxl.Workbook()
    book.active.title = "Budget"  # type: ignore[union-attr]
    plain = tmp_path / "budget.xlsx"
    book.save(plain)
    with pytest.raises(UnreadableFileError, match="no Declaration sheet"):
        read_extended(plain)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(UnreadableFileError):
        read_extended(junk)
