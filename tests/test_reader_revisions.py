"""Every CMRT revision, filled by the test, reads back field for field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.inspection import document_to_json
from tests.conftest import CMRT_VERSIONS, FULL_DECLARATION, BuildCmrt, declaration

EXPECTED_SMELTERS: list[dict[str, Any]] = [
    {
        "row": 5,
        "metal": "Gold",
        "smelter_id": "CID000015",
        "name": "Advanced Chemical Company",
        "country": "UNITED STATES OF AMERICA",
        "lookup_name": None,
        "id_source": "RMI",
        "city": "Warwick",
        "state_province": "Rhode Island",
        "not_yet_identified": False,
        "not_listed": False,
    },
    {
        "row": 6,
        "metal": "Tin",
        "smelter_id": "CID001182",
        "name": "Minsur",
        "country": "PERU",
        "lookup_name": "Minsur",
        "not_yet_identified": False,
    },
    {
        "row": 7,
        "metal": "Tantalum",
        "smelter_id": None,
        "name": "Nowhere Tantalum Works",
        "country": "BRAZIL",
        "lookup_name": "Smelter not listed",
        "not_listed": True,
        "not_yet_identified": False,
    },
    {"row": 8, "metal": "Tin", "smelter_id": None, "name": None, "country": None, "not_yet_identified": True},
    {
        "row": 9,
        "metal": "Tantalum",
        "smelter_id": "CID000460",
        "name": "F&X Electro-Materials Ltd.",
        "country": "CHINA",
        "contact_name": "Li Wei",
        "contact_email": "li.wei@fx.example",
        "next_steps": "Request RMAP status",
        "mine_name": "recycled",
        "mine_country": "recycled",
        "recycled_scrap": "Yes",
        "comments": "Direct supplier of capacitor powder",
        "street": None,
    },
]


def expected_company() -> dict[str, Any]:
    company = dict(FULL_DECLARATION["company"])
    company["effective_date"] = "2025-03-14"
    company["scope_description"] = None
    return company


@pytest.mark.parametrize("version", CMRT_VERSIONS)
def test_every_revision_reads_back_what_was_entered(build_cmrt: BuildCmrt, version: str) -> None:
    result = document_to_json(read_cmrt(build_cmrt(version, FULL_DECLARATION)))

    assert result["template"] == {"type": "CMRT", "version": version, "language": "English"}
    assert result["company"] == expected_company()
    assert result["questions"] == FULL_DECLARATION["questions"]
    assert result["question_comments"]["tin"]["Q3"] == "Two smelters still under review"
    assert result["question_comments"]["gold"]["Q1"] is None
    assert result["company_questions"] == FULL_DECLARATION["company_questions"]
    assert result["company_question_comments"]["B"] == "https://acme.example/responsible-minerals"
    assert len(result["smelters"]) == len(EXPECTED_SMELTERS)
    for got, expected in zip(result["smelters"], EXPECTED_SMELTERS, strict=True):
        assert {key: got[key] for key in expected} == expected
    assert result["products"] == []
    assert len(result["sha256"]) == 64


@pytest.mark.parametrize(
    ("version", "language"),
    [
        ("6.5", "日本語 Japanese"),
        ("6.5", "中文 Chinese"),
        ("6.4", "한국어 Korean"),
        ("6.31", "Deutsch"),
        ("6.22", "Français"),
        ("6.1", "Português"),
        ("6.5", "Español"),
        ("6.01", "italiano"),
        ("6.4", "Türkçe"),
    ],
)
def test_display_language_changes_no_answer(build_cmrt: BuildCmrt, version: str, language: str) -> None:
    result = document_to_json(read_cmrt(build_cmrt(version, declaration(language=language))))

    assert result["template"]["language"] == language
    assert result["questions"] == FULL_DECLARATION["questions"]
    assert result["smelters"][1]["smelter_id"] == "CID001182"


def test_complete_declaration_has_no_error_findings(build_cmrt: BuildCmrt) -> None:
    doc = read_cmrt(build_cmrt("6.5", FULL_DECLARATION))

    assert [f.code for f in doc.findings if f.severity.value == "error"] == []


@pytest.mark.parametrize("version", ["6.01", "6.5"])
def test_full_response_rate_reads_as_text_whatever_the_encoding(build_cmrt: BuildCmrt, version: str) -> None:
    # 6.01-6.22 store "100%" as the number 1, 6.31+ as text; both read as "100%".
    doc = read_cmrt(build_cmrt(version, FULL_DECLARATION))

    from conflict_minerals.model import Metal

    answer = doc.answer(Metal.TANTALUM, "Q6")
    assert answer is not None and answer.value == "100%" and answer.cell == "D56"


def test_product_list_with_scope_b(build_cmrt: BuildCmrt) -> None:
    company = dict(FULL_DECLARATION["company"], declaration_scope="B")
    products = [
        {"number": "PN-100", "name": "Motor controller", "comments": None},
        {"number": "PN-200", "name": "Sensor board", "comments": "2025 models"},
    ]
    result = document_to_json(read_cmrt(build_cmrt("6.22", declaration(company=company, products=products))))

    assert result["company"]["declaration_scope"] == "B"
    assert result["products"] == [p | {"requester_number": None, "requester_name": None} for p in products]


def test_scope_b_without_products_is_a_checker_error(build_cmrt: BuildCmrt) -> None:
    company = dict(FULL_DECLARATION["company"], declaration_scope="B")
    doc = read_cmrt(build_cmrt("6.4", declaration(company=company)))

    assert [(f.code, f.source.sheet, f.source.cell) for f in doc.findings if f.code == "CMRT-C-301"] == [
        ("CMRT-C-301", "Product List", "B6")
    ]


def test_stray_answers_of_published_templates_are_cleared(build_cmrt: BuildCmrt) -> None:
    # The 6.31 copy ships with D9/D32/... filled and 6.4 with a stray smelter row; the builder clears them.
    for version in ("6.31", "6.4"):
        result = document_to_json(read_cmrt(build_cmrt(version, {"language": "English"})))
        assert result["smelters"] == []
        assert result["company"]["declaration_scope"] is None
        assert set(result["questions"]["tantalum"].values()) == {None}


def test_effective_date_accepts_strings_and_serials(build_cmrt: BuildCmrt) -> None:
    for raw, expected in [("14-Mar-2025", "2025-03-14"), ("2025/3/14", "2025-03-14"), (45730, "2025-03-14")]:
        company = dict(FULL_DECLARATION["company"], effective_date=raw)
        result = document_to_json(read_cmrt(build_cmrt("6.5", declaration(company=company))))
        assert result["company"]["effective_date"] == expected, raw


def test_ambiguous_date_is_read_month_first_with_a_warning(build_cmrt: BuildCmrt) -> None:
    company = dict(FULL_DECLARATION["company"], effective_date="03/04/2025")
    doc = read_cmrt(build_cmrt("6.5", declaration(company=company)))

    assert doc.company.effective_date == dt.date(2025, 3, 4)
    assert [(f.code, f.source.cell) for f in doc.findings if f.code == "CMRT-D-004"] == [("CMRT-D-004", "D22")]
