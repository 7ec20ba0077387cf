"""The pre-filing check's rules, each on a small filing written here that breaks exactly that rule."""

from __future__ import annotations

from collections.abc import Sequence

from conflict_minerals.filings.check import RULES, Filing, check_filing, finding_json, sections_of
from conflict_minerals.filings.parse import AnnexLine, ParsedFiling

GOOD_TEXT = (
    "Conflict Minerals Report",
    "The Company followed the OECD Due Diligence Guidance for Responsible Supply Chains of Minerals.",
    "Its due diligence measures are described below. The products covered are instruments.",
    "The smelters and refiners are listed in the annex. The countries of origin could not be determined.",
    "The Company asked for the mine or location of origin.",
    "This report has not been subject to an independent private sector audit.",
    "It is published at https://example.com/cm.",
    "The suppliers named 3 smelters and refiners; 2 of them were conformant.",
    '"Conformant" means listed as conformant; "Active" means in assessment.',
    "Annex I",
)
ROWS = (
    AnnexLine("Gold", "Alpha Refinery", "Japan", "Conformant", "CID000001", 11),
    AnnexLine("Tin", "Beta Smelter", "Indonesia", "Conformant", "CID000002", 12),
    AnnexLine("Tungsten", "Gamma Tungsten", "China", "Active", "CID000003", 13),
)


def filing(
    lines: Sequence[str] = GOOD_TEXT,
    annex: Sequence[AnnexLine] = ROWS,
    figures: dict[str, int] | None = None,
    legend: Sequence[str] = ("Conformant", "Active"),
    unread: Sequence[tuple[int, str]] = (),
) -> Filing:
    parsed = ParsedFiling(
        registrant="Example Corp",
        period=2025,
        figures={"facilities_total": 3, "facilities_conformant": 2} if figures is None else figures,
        annex=tuple(annex),
        unread_lines=tuple(unread),
        legend=tuple(legend),
        lines=tuple(lines),
    )
    return Filing("exhibit.htm", parsed, sections_of(lines, ["Conflict Minerals Report", "Annex I"]))


def codes(found: Filing) -> list[str]:
    return [f.code for f in check_filing(found)]


def test_a_consistent_complete_filing_is_clean() -> None:
    assert codes(filing()) == []


def test_placeholders_are_errors_with_their_line() -> None:
    lines = (*GOOD_TEXT, "By: /s/ [signer]", "Date: [CONFIRM: date of signature]", "[X] Rule 13p-1")
    found = [f for f in check_filing(filing(lines)) if f.code == "FIL-T-001"]
    assert [f.source.cell for f in found] == [f"line {len(GOOD_TEXT) + 1}", f"line {len(GOOD_TEXT) + 2}"]
    assert found[0].severity.value == "error" and found[0].source.sheet == "Annex I"


def test_missing_website_link() -> None:
    lines = [line for line in GOOD_TEXT if "https" not in line]
    assert "FIL-T-002" in codes(filing(lines))


def test_terms_no_longer_used() -> None:
    lines = (*GOOD_TEXT, "Products are DRC conflict undeterminable.", "Section 2 - Exhibits", "Item 2.01 Exhibits")
    found = [f for f in check_filing(filing(lines)) if f.code == "FIL-T-003"]
    assert len(found) == 3 and all(f.severity.value == "warning" for f in found)


def test_each_missing_element_is_named() -> None:
    lines = [line for line in GOOD_TEXT if "origin" not in line]
    messages = [f.message for f in check_filing(filing(lines)) if f.code == "FIL-E-001"]
    assert any("countries of origin" in m for m in messages) and any("mine" in m for m in messages)


def test_stated_total_against_the_annex() -> None:
    lines = [line.replace("named 3", "named 5") for line in GOOD_TEXT]
    found = [f for f in check_filing(filing(lines, figures={"facilities_total": 5})) if f.code == "FIL-X-001"]
    assert len(found) == 1 and "states 5" in found[0].message and "lists 3" in found[0].message
    assert found[0].source.cell == "line 8"  # the line that states the figure


def test_per_status_counts() -> None:
    found = [f for f in check_filing(filing(figures={"facilities_conformant": 3})) if f.code == "FIL-X-002"]
    assert len(found) == 1 and "marks 2" in found[0].message


def test_no_covered_country_statement_against_a_facility_in_rwanda() -> None:
    lines = (*GOOD_TEXT, "No facility in the supply chain is located in the Covered Countries.")
    rows = (*ROWS, AnnexLine("Gold", "Kigali Gold Refinery", "Rwanda", "Conformant", None, 14))
    found = [f for f in check_filing(filing(lines, rows, {})) if f.code == "FIL-X-003"]
    assert len(found) == 1
    assert "Kigali Gold Refinery" in found[0].message and "Rwanda" in found[0].message
    assert "annex row 4" in found[0].source.cell
    counted = filing(annex=rows, figures={"facilities_in_covered_countries": 2})
    assert any("states 2" in f.message for f in check_filing(counted) if f.code == "FIL-X-003")


def test_africa_figure() -> None:
    rows = (*ROWS, AnnexLine("Gold", "Rand Refinery", "South Africa", "Conformant", "CID000004", 14))
    found = check_filing(filing(annex=rows, figures={"facilities_in_africa": 0}))
    assert [f.code for f in found] == ["FIL-X-004"]


def test_duplicate_rows_name_the_facility() -> None:
    rows = (*ROWS, AnnexLine("Gold", "Alpha Refinery Co., Ltd.", "Japan", "Conformant", "CID000001", 14))
    found = [f for f in check_filing(filing(annex=rows, figures={})) if f.code == "FIL-X-005"]
    assert len(found) == 1 and "Alpha Refinery Co., Ltd." in found[0].message and "annex row 1" in found[0].message
    by_name = (*ROWS, AnnexLine("Tin", "BETA SMELTER", "Indonesia", "Conformant", None, 14))
    assert "FIL-X-005" not in codes(filing(annex=by_name, figures={}))  # one has an ID, one not: not provable
    without_ids = (AnnexLine("Tin", "Beta Smelter", "Indonesia", "Active", None, 12),) * 2
    assert "FIL-X-005" in codes(filing(annex=(ROWS[0], *without_ids), figures={}))  # same name, no IDs: a duplicate
    group = (  # one group's sites in two countries are two facilities (Johnson Matthey Inc / Ltd in 2013 filings)
        AnnexLine("Gold", "Johnson Matthey Inc", "United States", "Yes", None, 12),
        AnnexLine("Gold", "Johnson Matthey Ltd", "Canada", "Yes", None, 13),
        AnnexLine("Gold", "JOHNSON MATTHEY INC.", "UNITED STATES OF AMERICA", "Yes", None, 14),
    )
    found = [f for f in check_filing(filing(annex=group, figures={})) if f.code == "FIL-X-005"]
    assert [f.source.cell for f in found] == ["annex row 3 (line 14)"]


def test_status_words_not_in_the_legend() -> None:
    rows = (*ROWS, AnnexLine("Tin", "Delta Tin", "Bolivia", "Audit expired in 2016", None, 14))
    found = [f for f in check_filing(filing(annex=rows, figures={})) if f.code == "FIL-X-006"]
    assert len(found) == 1 and "Audit expired in 2016" in found[0].message and "Delta Tin" in found[0].message


def test_unknown_country_and_unread_lines_are_warnings() -> None:
    rows = (*ROWS, AnnexLine("Tin", "Epsilon Tin", "Atlantis", "Active", None, 14))
    found = check_filing(filing(annex=rows, figures={}, unread=((15, "Tin ### ??"),)))
    assert [(f.code, f.severity.value) for f in found] == [("FIL-X-007", "warning"), ("FIL-X-008", "warning")]


def test_no_annex_is_an_error() -> None:
    assert "FIL-E-003" in codes(filing(annex=(), figures={}))


def test_json_shape_and_stable_codes() -> None:
    lines = [line.replace("named 3", "named 9") for line in GOOD_TEXT]
    item = finding_json(check_filing(filing(lines, figures={"facilities_total": 9}))[0])
    assert set(item) == {"code", "severity", "message", "location"}
    assert item["location"] == 'exhibit.htm, section "Conflict Minerals Report", line 8'
    rule_codes = {rule.__doc__.split(":")[0] for rule in RULES if rule.__doc__}
    assert len(rule_codes) == len(RULES)
