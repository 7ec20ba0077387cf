"""Smelter List rows: the three ways of entering a smelter, placeholders, variants and mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.model import CmrtDocument, Metal
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, BuildCmrt, declaration


def read_rows(build_cmrt: BuildCmrt, rows: list[dict[str, Any]], version: str = "6.5") -> CmrtDocument:
    return read_cmrt(build_cmrt(version, declaration(smelters=rows)))


def codes_at(doc: CmrtDocument, code: str) -> list[str | None]:
    return [f.source.cell for f in doc.findings if f.code == code]


def test_case_and_space_variants_resolve(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(
        build_cmrt,
        [
            {"metal": "GOLD", "lookup_name": "  advanced chemical company "},
            {"metal": "tin ", "lookup_name": "Smelter Not Listed ", "name": "Kivu Tin", "country": "RWANDA"},
        ],
    )
    first, second = doc.smelters
    assert (first.metal, first.smelter_id, first.name) == (Metal.GOLD, "CID000015", "Advanced Chemical Company")
    assert (second.metal, second.not_listed, second.name, second.country) == (Metal.TIN, True, "Kivu Tin", "RWANDA")
    assert [f.code for f in doc.findings if f.code.startswith("CMRT-S")] == []


@pytest.mark.parametrize("typed", ["cid000015", " CID 15", 15, "000015"])
def test_smelter_id_variants_are_normalised(build_cmrt: BuildCmrt, typed: object) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": typed}])
    assert doc.smelters[0].smelter_id == "CID000015"
    assert doc.smelters[0].metal is Metal.GOLD


def test_unknown_id_is_kept_with_a_warning(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": "CID999999", "metal": "Gold"}])
    assert doc.smelters[0].smelter_id == "CID999999"
    assert codes_at(doc, "CMRT-S-001") == ["A5"]


def test_text_that_is_not_an_id_is_an_error(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": "see attached", "metal": "Gold"}])
    assert codes_at(doc, "CMRT-S-002") == ["A5"]


def test_id_contradicting_the_chosen_name(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": "CID000015", "metal": "Gold", "lookup_name": "Minsur"}])
    assert codes_at(doc, "CMRT-S-007") == ["C5"]
    assert doc.smelters[0].smelter_id == "CID000015"


def test_metal_contradicting_the_id(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": "CID001182", "metal": "Gold"}])  # Minsur is tin
    assert codes_at(doc, "CMRT-S-003") == ["B5"]
    assert doc.smelters[0].metal is Metal.TIN


def test_name_not_in_the_lookup(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"metal": "Gold", "lookup_name": "Shenzhen Trading Co."}])
    assert codes_at(doc, "CMRT-S-004") == ["C5"]
    assert doc.smelters[0].smelter_id is None
    assert doc.smelters[0].name == "Shenzhen Trading Co."


def test_not_listed_without_country(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"metal": "Gold", "lookup_name": "Smelter not listed", "name": "Some Refinery"}])
    assert codes_at(doc, "CMRT-S-005") == ["E5"]


def test_row_without_metal(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"lookup_name": "Smelter not listed", "name": "X", "country": "CHINA"}])
    assert codes_at(doc, "CMRT-S-006") == ["B5"]


@pytest.mark.parametrize(("version", "resolved"), [("6.1", None), ("6.22", "CID000015")])
def test_not_yet_identified_with_a_known_alias(build_cmrt: BuildCmrt, version: str, resolved: str | None) -> None:
    # From 6.22 the template's formulas resolve a placeholder row whose D holds a known alias.
    row = {"metal": "Gold", "not_yet_identified": True, "name": "Advanced Chemical Company"}
    doc = read_rows(build_cmrt, [row], version)
    assert doc.smelters[0].not_yet_identified is True
    assert doc.smelters[0].smelter_id == resolved


def test_metal_in_scope_without_smelters(build_cmrt: BuildCmrt) -> None:
    doc = read_rows(build_cmrt, [{"smelter_id": "CID000015"}])  # tantalum and tin are in scope
    messages = [f.message for f in doc.findings if f.code == "CMRT-C-302"]
    assert len(messages) == 2
    assert "Tantalum" in messages[0] and "Tin" in messages[1]


def test_zero_placeholders_in_text_cells_read_as_empty(build_cmrt: BuildCmrt) -> None:
    company = dict(FULL_DECLARATION["company"], authorizer_phone=0, address="0")
    doc = read_cmrt(build_cmrt("6.5", declaration(company=company)))
    assert (doc.company.authorizer_phone, doc.company.address) == (None, None)


def test_stale_answers_after_q1_no_are_reported_not_dropped(build_cmrt: BuildCmrt) -> None:
    questions = dict(FULL_DECLARATION["questions"])
    questions["tungsten"] = dict(questions["tungsten"], Q3="Yes")
    doc = read_cmrt(build_cmrt("6.31", declaration(questions=questions)))
    answer = doc.answer(Metal.TUNGSTEN, "Q3")
    assert answer is not None and answer.value == "Yes"
    assert codes_at(doc, "CMRT-D-006") == ["D41"]


def test_unknown_answer_value_is_kept_and_reported(build_cmrt: BuildCmrt) -> None:
    questions = dict(FULL_DECLARATION["questions"])
    questions["tin"] = dict(questions["tin"], Q3="Probably not")
    doc = read_cmrt(build_cmrt("6.5", declaration(questions=questions)))
    answer = doc.answer(Metal.TIN, "Q3")
    assert answer is not None and (answer.value, answer.recognized) == ("Probably not", False)
    assert codes_at(doc, "CMRT-D-005") == ["D39"]


def test_banner_rows_deleted_by_the_supplier(tmp_path: Path) -> None:
    path = tmp_path / "shifted.xlsx"
    write_cmrt(path, FULL_DECLARATION, bundled_snapshot().entries)
    book = openpyxl.load_workbook(path)
    book["Smelter List"].delete_rows(1, 3)
    book.save(path)

    doc = read_cmrt(path)
    assert [row.row for row in doc.smelters] == [2, 3, 4, 5, 6]
    assert doc.smelters[0].smelter_id == "CID000015"


def test_renamed_sheets_are_still_found(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    write_cmrt(path, FULL_DECLARATION, bundled_snapshot().entries)
    book = openpyxl.load_workbook(path)
    book["Declaration"].title = "Declaration (2)"
    book["Smelter List"].title = "smelter list 1"
    book.save(path)

    doc = read_cmrt(path)
    assert doc.company.name == "Acme Components Ltd."
    assert [row.smelter_id for row in doc.smelters][:2] == ["CID000015", "CID001182"]


def test_an_id_with_one_of_its_own_aliases_is_not_a_contradiction(build_cmrt: BuildCmrt) -> None:
    from tests.conftest import FULL_DECLARATION

    data = dict(
        FULL_DECLARATION,
        smelters=[
            {
                "smelter_id": "CID000035",
                "metal": "Gold",
                "lookup_name": "Allgemeine Gold-und Silberscheideanstalt A.G.",
            },
            {"smelter_id": "CID000035", "metal": "Gold", "lookup_name": "Aurubis AG"},
        ],
    )
    document = read_cmrt(build_cmrt("6.5", data))
    contradictions = [f for f in document.findings if f.code == "CMRT-S-007"]
    assert [f.source.cell for f in contradictions] == ["C6"]  # the alias of CID000035 is fine; Aurubis is not
