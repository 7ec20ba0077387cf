"""Each review rule: a CMRT that triggers it and one that does not."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.review.rules import REVIEW_RULES, ReviewContext, review_document
from conflict_minerals.smelters.matching import Matcher

ANSWERS = {"Q1": "Yes", "Q2": "Yes", "Q3": "No", "Q4": "No", "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}
CLEAN: dict[str, Any] = {
    "language": "English",
    "company": {
        "name": "Clean Supplier Ltd.",
        "declaration_scope": "A",
        "contact_name": "Kim",
        "contact_email": "kim@clean.example",
        "contact_phone": "1",
        "authorizer_name": "Lee Park",
        "authorizer_email": "lee@clean.example",
        "effective_date": dt.date(2026, 1, 15),
    },
    "questions": {m: dict(ANSWERS) for m in ("tantalum", "tin", "gold", "tungsten")},
    "company_questions": {k: "Yes" for k in "ABCDFG"} | {"E": "No", "H": "No"},
    "company_question_comments": {"B": "https://clean.example/policy"},
    "smelters": [
        {"smelter_id": "CID000015"},
        {"smelter_id": "CID001182"},
        {"smelter_id": "CID000460"},
        {"metal": "Tungsten", "lookup_name": "Xiamen Tungsten (H.C.) Co., Ltd."},
    ],
}
MATCHER = Matcher(SmelterReference.build([ReferenceRevision("CMRT 6.5", None, bundled_snapshot().entries)]))


def variant(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(CLEAN)
    change(data)
    return data


def answer(metal: str, question: str, value: str | None) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["questions"][metal][question] = value

    return change


def add_row(row: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["smelters"].append(row)


def company(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["company"].update(fields)


def recycled_gold_with_primary_row(data: dict[str, Any]) -> None:
    data["questions"]["gold"]["Q5"] = "Yes"
    data["smelters"][0]["recycled_scrap"] = "No"


def gold_without_smelters(data: dict[str, Any]) -> None:
    data["smelters"] = [row for row in data["smelters"] if row.get("smelter_id") != "CID000015"]


CASES: list[tuple[str, Callable[[dict[str, Any]], None], dict[str, Any]]] = [
    ("REV-003", answer("gold", "Q2", "No"), {}),
    ("REV-004", gold_without_smelters, {}),
    (
        "REV-005",
        add_row({"metal": "Gold", "lookup_name": "Smelter not listed", "name": "Kivu Gold", "country": "RWANDA"}),
        {},
    ),
    ("REV-006", recycled_gold_with_primary_row, {}),
    ("REV-007", answer("tin", "Q6", "50% or less"), {}),
    ("REV-008", add_row({"metal": "Tin", "not_yet_identified": True}), {}),
    ("REV-009", add_row({"smelter_id": "CID999999", "metal": "Gold", "lookup_name": "Mystery Refinery"}), {}),
    ("REV-010", add_row({"metal": "Gold", "lookup_name": "Advanced Chemical Company"}), {}),
    (
        "REV-011",
        add_row(
            {
                "metal": "Gold",
                "lookup_name": "Smelter not listed",
                "name": "Hong Kong Metals Trading",
                "country": "CHINA",
            }
        ),
        {},
    ),
    ("REV-012", lambda data: None, {"require_product_level": True}),
    ("REV-013", company(effective_date=dt.date(2024, 6, 30)), {}),
    ("REV-014", company(authorizer_name="same"), {}),
    ("REV-015", answer("tungsten", "Q8", "No"), {}),
]


def review(tmp_path: Path, data: dict[str, Any], **context: Any) -> list[str]:
    path = tmp_path / "supplier.xlsx"
    write_cmrt(path, data, bundled_snapshot().entries)
    document = read_cmrt(path)
    found = review_document(ReviewContext(document, MATCHER, 2025, today=dt.date(2026, 3, 1), **context))
    return [finding.code for finding in found]


def test_clean_cmrt_triggers_no_rule(tmp_path: Path) -> None:
    assert review(tmp_path, CLEAN, require_product_level=False) == []


@pytest.mark.parametrize(("code", "change", "context"), CASES, ids=[case[0] for case in CASES])
def test_rule_triggers(
    tmp_path: Path, code: str, change: Callable[[dict[str, Any]], None], context: dict[str, Any]
) -> None:
    found = review(tmp_path, variant(change), **context)
    assert code in found, found


def test_outdated_revision(tmp_path: Path) -> None:
    from conflict_minerals.cmrt.template_filler import fill_template
    from tests.conftest import cmrt_template

    old, current = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    fill_template(cmrt_template("6.31"), old, CLEAN)
    fill_template(cmrt_template("6.5"), current, CLEAN)
    codes = [
        review_document(ReviewContext(read_cmrt(p), MATCHER, 2025, today=dt.date(2026, 3, 1))) for p in (old, current)
    ]
    assert "REV-001" in [f.code for f in codes[0]]
    assert "REV-001" not in [f.code for f in codes[1]]


def test_future_effective_date(tmp_path: Path) -> None:
    assert "REV-013" in review(tmp_path, variant(company(effective_date=dt.date(2026, 12, 31))))


def test_covered_country_rule_uses_the_cahra_list(tmp_path: Path) -> None:
    row = {"metal": "Tin", "lookup_name": "Smelter not listed", "name": "Andes Tin Works", "country": "PERU"}
    data = variant(add_row(row))
    assert "REV-005" not in review(tmp_path, data)
    assert "REV-005" in review(tmp_path, data, cahra=frozenset({"PE"}))


def test_every_rule_has_a_case() -> None:
    documented = {rule.__doc__.split(":")[0] for rule in REVIEW_RULES if rule.__doc__}
    tested = {code for code, _, _ in CASES} | {"REV-001"}
    assert documented == tested


def test_a_row_without_a_name_never_shows_none(tmp_path: Path) -> None:
    data = variant(add_row({"metal": "Gold", "lookup_name": "Smelter not listed", "country": "CHINA"}))
    path = tmp_path / "supplier.xlsx"
    write_cmrt(path, data, bundled_snapshot().entries)
    found = review_document(ReviewContext(read_cmrt(path), MATCHER, 2025, today=dt.date(2026, 3, 1)))
    messages = [f.message for f in found]
    assert all("None" not in message for message in messages), messages
    assert any(f.code == "REV-011" and "names no smelter or refiner" in f.message for f in found), messages


def test_one_finding_per_cell_the_most_severe_then_the_most_specific() -> None:
    from conflict_minerals.model import Finding, Severity, SourceRef
    from conflict_minerals.review.rules import one_per_cell

    at = SourceRef("a.xlsx", "Smelter List", "C20")
    checker = Finding(at, "CMRT-S-004", Severity.ERROR, "not in the look-up list")
    trader = Finding(at, "REV-011", Severity.WARNING, "reads like a trading company")
    other_cell = Finding(SourceRef("a.xlsx", "Declaration", "D16"), "CMRT-C-005", Severity.ERROR, "bad e-mail")
    sheet_wide = Finding(SourceRef("a.xlsx", "Declaration"), "REV-012", Severity.WARNING, "company level")
    again = Finding(SourceRef("a.xlsx", "Declaration"), "REV-001", Severity.WARNING, "older revision")
    assert one_per_cell([checker, trader, other_cell, sheet_wide, again]) == [checker, other_cell, sheet_wide, again]
    specific = Finding(at, "REV-011", Severity.ERROR, "more specific")
    assert one_per_cell([checker, specific]) == [specific]


def test_a_reviewer_s_decision_on_a_name_settles_its_findings(tmp_path: Path) -> None:
    from conflict_minerals.smelters.consolidate import NO_MATCH, Ruling, facility_key

    where = "CONGO, DEMOCRATIC REPUBLIC OF THE"  # a Covered Country, while Q3 says 'No'
    data = variant(add_row({"metal": "Tin", "lookup_name": "Smelter not listed", "name": "Kivu Tin", "country": where}))
    asked = review(tmp_path, data)
    assert "REV-005" in asked and "REV-011" in asked
    key = facility_key(read_cmrt(tmp_path / "supplier.xlsx").smelters[-1], NO_MATCH)
    excluded = review(tmp_path, data, rulings={key: Ruling(1, "exclude", None, "trader")})
    assert "REV-005" not in excluded and "REV-011" not in excluded  # excluded: sources nothing, asks nothing
    confirmed = review(tmp_path, data, rulings={key: Ruling(2, "confirm", None, "visited")})
    assert "REV-005" in confirmed and "REV-011" not in confirmed  # a real smelter there: the 'No' is still wrong
