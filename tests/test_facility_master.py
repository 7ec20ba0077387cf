"""The facility master: ambiguous names with candidates, reviewers' decisions applied to reports and later years."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.model import Metal
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.snapshot import bundled_revisions, bundled_snapshot
from conflict_minerals.smelters.matching import Matcher, Method
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

GRANITE = "Granite Peak Metalworks LLC"
CEDAR = "Cedar Valley Electronics Corp."
MSC = {"metal": "Tin", "lookup_name": "Smelter not listed", "name": "Malaysia Smelting Corp", "country": "MALAYSIA"}
KIVU = {"metal": "Gold", "lookup_name": "Smelter not listed", "name": "Kivu Gold Refinery", "country": "RWANDA"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    revisions = [ReferenceRevision(s.revision, s.list_date, s.entries) for s in bundled_revisions()]
    return Matcher(SmelterReference.build(revisions))


@pytest.mark.parametrize(
    ("name", "metal", "country", "expected"),
    [
        ("Malaysia Smelting Corp", Metal.TIN, None, {"CID001105", "CID004434"}),
        ("Malaysia Smelting Corp", Metal.TIN, "Malaysia", {"CID001105", "CID004434"}),
        ("Metalor", Metal.GOLD, None, {"CID001147", "CID001149", "CID001152", "CID001153", "CID001157"}),
        ("Umicore", Metal.GOLD, None, {"CID001980", "CID002314", "CID001977"}),
        ("Heraeus", Metal.GOLD, None, {"CID000707", "CID000711"}),
    ],
)
def test_a_name_that_fits_several_facilities_is_ambiguous_with_candidates(
    matcher: Matcher, name: str, metal: Metal, country: str | None, expected: set[str]
) -> None:
    match = matcher.match(name, metal, country)
    assert match.method is Method.AMBIGUOUS and match.smelter_id is None
    assert {c.smelter_id for c in match.candidates} == expected
    assert all(0 < c.score <= 100 for c in match.candidates)
    assert "ambiguous" in (match.reason or "")


def test_the_country_settles_a_name_when_one_candidate_is_there(matcher: Matcher) -> None:
    match = matcher.match("Metalor", Metal.GOLD, "Switzerland")
    assert (match.method, match.smelter_id) == (Method.PROBABLE, "CID001153")
    assert len(match.candidates) == 5 and "only facility of that name in" in (match.reason or "")
    assert matcher.match("Malaysia Smelting Corp", Metal.TIN, "MY").method is Method.AMBIGUOUS  # both are there


def test_a_unique_or_unknown_name_is_not_made_ambiguous(matcher: Matcher) -> None:
    assert matcher.match("Metalor Technologies SA", Metal.GOLD).smelter_id == "CID001153"
    assert matcher.match("Metalor Tecnologies Suzhou", Metal.GOLD).smelter_id == "CID001147"
    for generic in ("Kivu Gold Refinery", "Smelting", "Refinery"):
        assert matcher.match(generic, Metal.GOLD).method is Method.UNMATCHED, generic


def _cmrt(tmp_path: Path, supplier: str, *rows: dict[str, str]) -> Path:
    path = tmp_path / f"{supplier.split()[0].lower()}-{len(list(tmp_path.glob('*.xlsx')))}.xlsx"
    questions = {m: dict(FULL_DECLARATION["questions"]["tin"]) for m in ("tin", "tantalum", "tungsten", "gold")}
    data = declaration(
        company=dict(FULL_DECLARATION["company"], name=supplier),
        questions=questions,
        smelters=[{"smelter_id": "CID000015"}, *rows],
    )
    write_cmrt(path, data, bundled_snapshot().entries)
    return path


def _report(program: Program, tmp_path: Path, year: int = 2025) -> dict[str, object]:
    out = tmp_path / f"report-{year}-{len(list(tmp_path.glob('report-*')))}"
    program("report", "--draft", "--period", year, "--out", out)
    data: dict[str, object] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    data["_check"] = (out / "pre-filing-check.txt").read_text(encoding="utf-8")
    data["_papers"] = (out / "working-papers.md").read_text(encoding="utf-8")
    return data


def _annex_names(report: dict[str, object]) -> set[str]:
    return {row["name"] for row in report["annex"]}  # type: ignore[index, union-attr]


def test_reviewers_decide_names_and_the_report_follows(program: Program, tmp_path: Path) -> None:
    for name in (GRANITE, CEDAR):
        program("suppliers", "add", name)
    program("campaign", "start", "2025", "--no-letters")
    program("ingest", _cmrt(tmp_path, GRANITE, MSC, KIVU), "--supplier", GRANITE)
    program("ingest", _cmrt(tmp_path, CEDAR, MSC), "--supplier", CEDAR)

    review = json.loads(program("smelters", "review", "--json").output)
    names = {n["name"]: n for n in review["names"]}
    assert set(names) >= {"Malaysia Smelting Corp", "Kivu Gold Refinery"}
    assert {c["smelter_id"] for c in names["Malaysia Smelting Corp"]["candidates"]} == {"CID001105", "CID004434"}
    assert names["Malaysia Smelting Corp"]["suppliers"] == [CEDAR, GRANITE] or names["Malaysia Smelting Corp"][
        "suppliers"
    ] == [GRANITE, CEDAR]
    assert names["Kivu Gold Refinery"]["candidates"] == []

    before = _report(program, tmp_path)
    assert not {"Kivu Gold Refinery", "Malaysia Smelting Corp"} & _annex_names(before)  # unverified: not public
    assert before["facilities"]["in_covered_countries"] == 0  # type: ignore[index]
    assert "FIL-E-004" in str(before["_check"]) and "Kivu Gold Refinery" in str(before["_check"])
    typo = program(
        "smelters", "resolve", "Malaysia Smeltin Corp", "--metal", "Tin", "--country", "Malaysia",
        "--map", "CID001105", "--reason", "x", ok=False,
    )  # fmt: skip
    assert typo.exit_code == 2 and "Did you mean 'malaysia smelting' (Tin, MY)?" in typo.stderr
    country = program(
        "smelters", "resolve", "Malaysia Smelting Corp", "--metal", "Tin", "--country", "Malaysai",
        "--map", "CID001105", "--reason", "x", ok=False,
    )  # fmt: skip
    assert country.exit_code == 2 and "'Malaysai' is not a country" in country.stderr

    program(
        "smelters", "resolve", "Malaysia Smelting Corp", "--metal", "Tin", "--country", "Malaysia",
        "--map", "CID001105", "--reason", "supplier confirmed Butterworth",
    )  # fmt: skip
    program(
        "smelters", "resolve", "kivu gold refinery", "--metal", "gold", "--country", "RW",
        "--exclude", "not-in-supply-chain", "--reason", "feeds only the supplier's jewellery line",
    )  # fmt: skip
    after = _report(program, tmp_path)
    annex = {row["smelter_id"]: row for row in after["annex"]}  # type: ignore[union-attr]
    assert "CID001105" in annex and "Kivu Gold Refinery" not in _annex_names(after)
    assert "FIL-E-004" not in str(after["_check"])
    papers = str(after["_papers"])
    assert "mapped to CID001105" in papers and "| 2 |" in papers  # one decision, both suppliers' rows
    assert "excluded: not in our supply chain" in papers and "feeds only the supplier's jewellery line" in papers
    explained = json.loads(program("report", "explain", "facilities.total", "--period", "2025", "--json").output)
    assert explained  # the stored run answers

    events = json.loads(program("log", "--json").output)
    kinds = {e["kind"] for e in events}
    assert {"facility.map", "facility.exclude"} <= kinds
    listed = json.loads(program("smelters", "decisions", "--json").output)["decisions"]
    assert [(d["action"], d["from_year"]) for d in listed] == [("map", 2025), ("exclude", 2025)]

    # a later campaign keeps the decisions; withdrawing one opens the name again
    program("campaign", "start", "2026", "--no-letters")
    program("ingest", _cmrt(tmp_path, GRANITE, MSC, KIVU), "--supplier", GRANITE, "--campaign", "2026")
    assert "every facility name is identified or decided" in program("smelters", "review", "--campaign", "2026").output
    program("smelters", "withdraw", str(listed[1]["id"]), "--reason", "the supplier changed its answer")
    reopened = json.loads(program("smelters", "review", "--campaign", "2026", "--json").output)
    assert [n["name"] for n in reopened["names"]] == ["Kivu Gold Refinery"]
    assert "facility.withdrawn" in {e["kind"] for e in json.loads(program("log", "--json").output)}


def test_a_decision_applies_from_its_year_on_not_before(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", GRANITE)
    program("campaign", "start", "2025", "--no-letters")
    program("ingest", _cmrt(tmp_path, GRANITE, KIVU), "--supplier", GRANITE)
    program("campaign", "start", "2026", "--no-letters")
    program(
        "smelters", "resolve", "Kivu Gold Refinery", "--metal", "Gold", "--country", "Rwanda",
        "--confirm", "--reason", "visited in 2026", "--campaign", "2026",
    )  # fmt: skip
    assert "Kivu Gold Refinery" in program("smelters", "review", "--campaign", "2025").output
    program("ingest", _cmrt(tmp_path, GRANITE, KIVU), "--supplier", GRANITE, "--campaign", "2026")
    report = _report(program, tmp_path, 2026)
    assert "Kivu Gold Refinery" in _annex_names(report)  # confirmed: a facility not on RMI's list
    assert report["facilities"]["in_covered_countries"] == 1  # type: ignore[index]


def test_decisions_that_cannot_be_taken_say_why(program: Program) -> None:
    program("campaign", "start", "2025", "--no-letters")
    cases = [
        (["Kivu", "--metal", "Gold", "--map", "CID999999"], "not a Smelter ID"),
        (["Malaysia Smelting Corp", "--metal", "Gold", "--map", "CID001105"], "is a Tin facility"),
        (["Kivu", "--metal", "Gold", "--confirm", "--exclude", "trader"], "exactly one of"),
        (["Kivu", "--confirm"], "give the metal"),
        (["CID001105", "--confirm"], "can only be excluded"),
        (["Kivu", "--metal", "Gold", "--confirm", "--reason", "  "], "needs a reason"),
    ]
    for args, expected in cases:
        full = [*args, "--ahead"] if "--reason" in args else [*args, "--reason", "because", "--ahead"]
        result = program("smelters", "resolve", *full, ok=False)
        assert result.exit_code == 2 and expected in result.stderr, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(program("smelters", "decisions", "--json").output) == {"decisions": []}
    typo = program("smelters", "resolve", "Kivu", "--metal", "Gold", "--confirm", "--reason", "x", ok=False)
    assert typo.exit_code == 2 and "no supplier row names 'kivu' (Gold, ?)" in typo.stderr and "--ahead" in typo.stderr
    missing = program("smelters", "withdraw", "42", "--reason", "x", ok=False)
    assert missing.exit_code == 2 and "no standing facility decision number 42" in missing.stderr
