"""Matching supplier smelter names and IDs to RMI's reference, measured for precision and recall."""

from __future__ import annotations

import pytest

from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.model import Metal
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.smelters.evaluation import build_cases, by_kind, evaluate
from conflict_minerals.smelters.matching import Matcher, Method
from tests.conftest import CMRT_VERSIONS, cmrt_template


@pytest.fixture(scope="module")
def all_revisions() -> SmelterReference:
    revisions = []
    for version in CMRT_VERSIONS:
        sheet = read_lookup_sheet(cmrt_template(version))
        revisions.append(ReferenceRevision(f"CMRT {version}", sheet.list_date, sheet.entries))
    return SmelterReference.build(revisions)


@pytest.fixture(scope="module")
def matcher(all_revisions: SmelterReference) -> Matcher:
    return Matcher(all_revisions)


def test_precision_and_recall_on_realistic_spellings(all_revisions: SmelterReference, matcher: Matcher) -> None:
    cases = build_cases(all_revisions)
    result = evaluate(matcher, cases)
    kinds = by_kind(result, cases)

    assert result.positives > 3000 and kinds["typo"][0] > 500 and kinds["old name"][0] > 100
    assert kinds["real non-smelter"] == (160, 0)  # component makers named as smelters stay unmatched
    assert result.precision >= 0.99, [m for m in result.mistakes if m[1] is not None][:10]
    assert result.recall >= 0.95, result.mistakes[:10]


def test_newest_revision_names_the_facility_and_old_names_stay_aliases(all_revisions: SmelterReference) -> None:
    assert all_revisions.revisions[-1] == "CMRT 6.5"
    asahi = all_revisions.facilities["CID000082"]  # renamed in 6.5
    assert asahi.standard_name == "ASAHI METALFINE, Inc."
    assert "Asahi Pretec Corp." in asahi.names


def test_an_id_only_older_revisions_know_is_still_a_facility(all_revisions: SmelterReference, matcher: Matcher) -> None:
    newest_ids = {e.smelter_id for e in bundled_snapshot().entries}
    retired = sorted(set(all_revisions.facilities) - newest_ids)
    assert retired, "6.01-6.4 list facilities 6.5 dropped"
    facility = all_revisions.facilities[retired[0]]
    match = matcher.match(None, facility.metal, None, facility.smelter_id)
    assert (match.smelter_id, match.method) == (facility.smelter_id, Method.EXACT)


def test_methods(matcher: Matcher) -> None:
    assert matcher.match("Advanced Chemical Company", Metal.GOLD, None, "CID000015").method is Method.EXACT
    assert matcher.match("ADVANCED CHEMICAL CO.", Metal.GOLD).method is Method.ALIAS
    probable = matcher.match("Advanced Chemcial Company", Metal.GOLD, "USA")
    assert (probable.method, probable.smelter_id) == (Method.PROBABLE, "CID000015")
    assert 0.9 <= probable.confidence < 1
    assert matcher.match("Quillon Vantrel Refining Works", Metal.GOLD).method is Method.UNMATCHED
    assert matcher.match("N/A", Metal.GOLD).method is Method.REJECTED
    assert matcher.match("Smelter not yet identified", Metal.TIN).method is Method.REJECTED
    trader = matcher.match("Golden Harvest Metal Trading Co., Ltd.", Metal.GOLD)
    assert trader.method is Method.REJECTED and "trading" in (trader.reason or "")


def test_id_contradicted_by_name_or_country_is_reported(matcher: Matcher) -> None:
    named_other = matcher.match("Minsur", Metal.GOLD, None, "CID000015")
    assert named_other.smelter_id == "CID000015" and named_other.confidence < 1
    assert named_other.problems == ("the name 'Minsur' is not a name of CID000015 (Advanced Chemical Company)",)
    wrong_country = matcher.match("Advanced Chemical Company", Metal.GOLD, "JAPAN", "CID000015")
    assert wrong_country.problems == ("CID000015 is in UNITED STATES OF AMERICA, not JAPAN",)
    other_gold = matcher.match("Aurubis AG", Metal.GOLD, None, "CID000015")
    assert other_gold.problems and "CID000113" in other_gold.problems[0]


def test_wrong_metal_or_unknown_id_falls_back_to_the_name(matcher: Matcher) -> None:
    wrong_metal = matcher.match("Minsur", Metal.TIN, None, "CID000015")
    assert (wrong_metal.smelter_id, wrong_metal.method) == ("CID001182", Method.ALIAS)
    assert wrong_metal.problems == ("CID000015 is a Gold smelter, not Tin",)
    unknown = matcher.match("Minsur", Metal.TIN, None, "CID999999")
    assert unknown.smelter_id == "CID001182" and "CID999999" in unknown.problems[0]


def test_country_breaks_ties_between_facilities_sharing_a_name(
    matcher: Matcher, all_revisions: SmelterReference
) -> None:
    shared: dict[tuple[Metal, str], set[str]] = {}
    from conflict_minerals.smelters.names import name_key

    for facility in all_revisions.facilities.values():
        for name in facility.names:
            shared.setdefault((facility.metal, name_key(name)), set()).add(facility.smelter_id)
    metal, key = next(
        (k for k, ids in sorted(shared.items()) if len(ids) > 1 and _distinct_countries(all_revisions, ids))
    )
    ids = sorted(shared[(metal, key)])
    target = all_revisions.facilities[ids[0]]
    name = next(n for n in target.names if name_key(n) == key)
    assert matcher.match(name, metal, target.country).smelter_id == target.smelter_id


def _distinct_countries(reference: SmelterReference, ids: set[str]) -> bool:
    countries = [reference.facilities[i].country for i in ids]
    return len(set(countries)) == len(countries)
