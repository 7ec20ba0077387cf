"""Look-ups of every template (EMRT, CRT, AMRT) and status lists of other minerals, beside an unchanged 3TG core.

The look-ups are read from RMI's real blank workbooks in ../shared. RMI's cobalt refiner and
mica processor status lists are not available here: the lists below are written by the tests,
shaped like RMI's exports (a title, an "as of" line, then Smelter ID / name / country / status).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from conflict_minerals.cmrt.lookup_sheet import LookupSheet, read_lookup_sheet
from conflict_minerals.cmrt.patcher import patch_workbook
from conflict_minerals.errors import UnreadableFileError
from conflict_minerals.program.workspace import open_workspace
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.status import StatusBucket, read_status_list
from conflict_minerals.reference.store import ReferenceStore
from conflict_minerals.smelters.evaluation import build_cases, evaluate
from conflict_minerals.smelters.matching import Matcher, Method
from conflict_minerals.smelters.mineral_status import MineralStatusBook, mineral_status
from conflict_minerals.smelters.minerals import MineralReference
from conflict_minerals.smelters.status_book import StatusBook
from tests.conftest import CMRT_VERSIONS, template_path
from tests.workspace_fixtures import Program

EXTENDED = ("CRT_2.2", "CRT_2.21", "EMRT_1.1", "EMRT_1.11", "EMRT_1.2", "EMRT_1.3", "EMRT_2.0", "EMRT_2.1", "AMRT_1.3")
UMICORE_OLEN = "CID003228"  # a cobalt refiner every cobalt look-up here lists (Olen, Belgium)
RENAMED = "CID003481"  # CRT 2.2 'Chizhou Xi’en New Material ...', EMRT 2.1 'Chizhou CN New Materials ...'


def sheet(name: str) -> LookupSheet:
    return read_lookup_sheet(template_path(f"RMI_{name}.xlsx"))


def revision(name: str) -> ReferenceRevision:
    found = sheet(name)
    return ReferenceRevision(f"{found.template} {found.version}", found.list_date, found.entries, found.minerals)


@pytest.fixture(scope="module")
def cmrt_revisions() -> list[ReferenceRevision]:
    return [revision(f"CMRT_{version}") for version in CMRT_VERSIONS]


@pytest.fixture(scope="module")
def extended_revisions() -> list[ReferenceRevision]:
    return [revision(name) for name in ("CRT_2.2", "EMRT_1.3", "EMRT_2.1", "AMRT_1.3")]


# Look-ups of the real workbooks -----------------------------------------------------------------


@pytest.mark.parametrize("name", EXTENDED)
def test_every_extended_lookup_lists_facilities_per_mineral(name: str) -> None:
    found = sheet(name)
    ids = {mineral: {e.smelter_id for e in found.minerals if e.mineral == mineral} for mineral in found.mineral_names}
    assert found.entries == () and found.minerals, "no 3TG row in an extended look-up, and some of its own"
    assert all(len(cids) > 0 for cids in ids.values()), ids
    assert all(len(e.smelter_id) == 9 and e.smelter_id.startswith("CID") for e in found.minerals)
    assert "Graphite" not in ids  # EMRT 2.x lists only the two special rows for graphite
    if name.startswith(("CRT", "EMRT")):
        assert UMICORE_OLEN in ids["Cobalt"]
        assert found.list_date is not None


def test_sizes_agree_with_the_format_notes() -> None:
    def distinct(name: str) -> dict[str, int]:
        found = sheet(name)
        return {m: len({e.smelter_id for e in found.minerals if e.mineral == m}) for m in found.mineral_names}

    assert distinct("EMRT_2.1") == {"Cobalt": 104, "Copper": 78, "Lithium": 47, "Mica": 31, "Nickel": 45}
    assert distinct("CRT_2.2") == {"Cobalt": 64}
    amrt = distinct("AMRT_1.3")
    assert (amrt["Aluminum"], amrt["Silver"], amrt["Zinc"], len(amrt)) == (26, 8, 3, 12)
    assert sheet("EMRT_1.3").list_date == dt.date(2024, 2, 28)  # "standard smelter lists for cobalt and mica as of"


def test_a_template_without_a_lookup_is_refused() -> None:
    with pytest.raises(UnreadableFileError, match="no Smelter Look-up"):
        sheet("AMRT_1.2")


# One CID series -------------------------------------------------------------------------------


def test_one_smelter_id_is_one_facility_across_templates(extended_revisions: list[ReferenceRevision]) -> None:
    reference = MineralReference.build(extended_revisions)
    renamed = reference.facilities[RENAMED]
    assert renamed.standard_name == "Chizhou CN New Materials and Technology Co., Ltd."  # EMRT 2.1, the newest list
    assert "Chizhou Xi’en New Material Technology Co., Ltd." in renamed.names  # CRT 2.2's name stays a look-up name
    assert renamed.revisions == ("CRT 2.2", "EMRT 1.3", "EMRT 2.1") and renamed.minerals == ("Cobalt",)
    by_old_name = reference.match("cobalt", None, "CHIZHOU XI'EN NEW MATERIAL TECHNOLOGY CO LTD")
    assert (by_old_name.smelter_id, by_old_name.method) == (RENAMED, Method.ALIAS)
    assert by_old_name.standard_name == renamed.standard_name
    counts = reference.minerals()
    assert counts["Cobalt"] >= 104 and counts["Aluminum"] == 26 and counts["Mica"] >= 31


def test_match_by_id_name_and_country(extended_revisions: list[ReferenceRevision]) -> None:
    reference = MineralReference.build(extended_revisions)
    exact = reference.match("Cobalt", "cid 3228", "Umicore Olen", "Belgium")
    assert (exact.smelter_id, exact.method, exact.problems) == (UMICORE_OLEN, Method.EXACT, ())
    assert exact.country == "BELGIUM"
    contradicted = reference.match("Cobalt", UMICORE_OLEN, "Umicore Finland Oy", "Japan")
    assert contradicted.method is Method.EXACT and len(contradicted.problems) == 2
    other_mineral = reference.match("Mica", UMICORE_OLEN, None)
    assert other_mineral.method is Method.UNMATCHED and "Cobalt facility, not Mica" in other_mineral.problems[0]
    assert reference.match("Cobalt", None, "Smelter not yet identified").method is Method.REJECTED
    assert reference.match("Cobalt", None, "Quillon Vantrel Cobalt Works").method is Method.UNMATCHED
    assert reference.match("Aluminium", None, reference.facilities[_any(reference, "Aluminum")].standard_name).matched


def _any(reference: MineralReference, mineral: str) -> str:
    return next(sid for sid, f in sorted(reference.facilities.items()) if mineral in f.minerals)


# The 3TG core is unchanged ----------------------------------------------------------------------


def test_the_3tg_reference_and_matcher_ignore_other_minerals(
    cmrt_revisions: list[ReferenceRevision], extended_revisions: list[ReferenceRevision]
) -> None:
    alone = SmelterReference.build(cmrt_revisions)
    mixed = SmelterReference.build([*cmrt_revisions, *extended_revisions])
    assert mixed == alone and mixed.newest == "CMRT 6.5"
    cases = build_cases(alone)
    figures = evaluate(Matcher(alone), cases), evaluate(Matcher(mixed), cases)
    assert (figures[0].precision, figures[0].recall) == (figures[1].precision, figures[1].recall)
    assert figures[1].precision >= 0.99 and figures[1].recall >= 0.95  # the figures of test_matching.py
    assert Matcher(mixed).match(None, None, None, UMICORE_OLEN).smelter_id is None  # a cobalt CID is no 3TG match


# Imports through the CLI ------------------------------------------------------------------------


def test_import_lookups_of_every_template_as_numbered_revisions(program: Program) -> None:
    for name in ("CRT_2.2", "EMRT_2.1", "AMRT_1.3"):
        shown = program("refdata", "import-lookup", template_path(f"RMI_{name}.xlsx")).output
        assert "(imported)" in shown
    assert "Cobalt 104, Copper 78" in program("refdata", "import", template_path("RMI_EMRT_2.1.xlsx")).output
    assert "(already known)" in program("refdata", "import", template_path("RMI_EMRT_2.1.xlsx")).output
    listed = program("refdata", "list").output
    assert "EMRT 2.1" in listed and "Cobalt, Copper, Lithium, Mica, Nickel" in listed
    items = json.loads(program("refdata", "list", "--json").output)["imported"]
    assert [(i["kind"], i["id"]) for i in items] == [("lookup", 1), ("lookup", 2), ("lookup", 3)]
    assert items[0]["description"] == "CRT 2.2 (RMI_CRT_2.2.xlsx): Cobalt"
    events = [e for e in json.loads(program("log", "--json").output) if e["kind"] == "reference.lookup_imported"]
    assert len(events) == 3
    workspace = open_workspace(program.root)
    try:
        store = workspace.reference
        assert store.version_label() == "CMRT 6.5 (6 revisions)"  # the 3TG reference names only CMRTs
        assert all(r.label.startswith("CMRT") for r in store.revisions())
        assert {r.label for r in store.all_revisions()} >= {"CRT 2.2", "EMRT 2.1", "AMRT 1.3"}
        assert UMICORE_OLEN not in store.reference().facilities
        assert store.mineral_reference().match("Cobalt", UMICORE_OLEN).method is Method.EXACT
    finally:
        workspace.close()
    program("refdata", "remove", "lookup", "2", "--reason", "test")
    assert "EMRT 2.1" not in program("refdata", "list").output


def test_a_filled_extended_template_never_becomes_reference(program: Program, tmp_path: Path) -> None:
    filled = tmp_path / "supplier-emrt.xlsx"
    patch_workbook(template_path("RMI_EMRT_2.1.xlsx"), filled, {"Declaration": {"D8": "Cobalt Buyer Ltd."}})
    refused = program("refdata", "import-lookup", filled, ok=False)
    assert refused.exit_code == 2 and "filled in" in refused.stderr
    assert "EMRT 2.1" not in program("refdata", "list").output


def test_hostile_lookup_content_is_cleaned_or_skipped(program: Program, tmp_path: Path) -> None:
    hostile = tmp_path / "emrt.xlsx"
    cells = {
        "A496": "Cobalt",
        "B496": "Evil\u202eCo\x9b Refinery",
        "C496": '=HYPERLINK("http://example.invalid","x")',
        "D496": "CHINA",
        "E496": "CID999990",
        "A497": "Unobtainium Extraordinaire Deluxe",  # longer than a mineral name can be: skipped
        "B497": "Nowhere Works",
        "E497": "CID999991",
        "A498": "=cmd|' /C calc'!A0",  # formula text as a mineral: skipped
        "B498": "Other Works",
        "E498": "CID999992",
        "A499": "Cobalt",
        "B499": "x" * 40_000,
        "E499": "CID999993",
    }
    patch_workbook(template_path("RMI_EMRT_2.1.xlsx"), hostile, {"Smelter Look-up": cells})
    program("refdata", "import-lookup", hostile)
    workspace = open_workspace(program.root)
    try:
        reference = workspace.reference.mineral_reference()
    finally:
        workspace.close()
    evil = reference.facilities["CID999990"]
    assert evil.names >= {"EvilCo Refinery"} and evil.standard_name.startswith("=HYPERLINK")  # inert text
    assert "CID999991" not in reference.facilities and "CID999992" not in reference.facilities
    assert max(len(n) for n in reference.facilities["CID999993"].names) == 32_767


def test_folder_store_keeps_minerals_outside_a_workspace(tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path / "reference")
    assert store.add_revision(revision("CRT_2.2"))
    kept = next(r for r in store.all_revisions() if r.label == "CRT 2.2")
    assert len(kept.minerals) == 88 and kept.entries == ()
    assert [r.label for r in store.revisions()] == [r.label for r in store.revisions() if r.label.startswith("CMRT")]
    listed = tmp_path / "cobalt.csv"
    listed.write_text(COBALT_CSV, encoding="utf-8")
    store.add_status(read_status_list(listed, mineral="Cobalt"))
    assert store.status_snapshots() == []
    assert [e.mineral for e in store.mineral_status_snapshots()[0].entries] == ["Cobalt"] * 3


# Status lists of other minerals -----------------------------------------------------------------

COBALT_CSV = """Responsible Minerals Initiative - Cobalt Refiners
List as of: 15-Jan-2026
Smelter ID,Standard Smelter Name,Country,Assessment Status
CID003228,Umicore Olen,BELGIUM,Conformant
CID003225,Zhejiang Huayou Cobalt Company Limited,CHINA,Active
CID003481,Chizhou CN New Materials and Technology Co. Ltd.,CHINA,Non-Conformant
"""


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    active = book.active
    assert active is not None
    for row in rows:
        active.append(row)
    book.save(path)
    return path


def test_cobalt_status_list_csv_with_mineral_option(program: Program, tmp_path: Path) -> None:
    listed = tmp_path / "cobalt-refiners.csv"
    listed.write_text(COBALT_CSV, encoding="utf-8")
    shown = program("refdata", "import-status", listed, "--mineral", "cobalt").output
    assert "3 facilities as of 2026-01-15" in shown and "Cobalt" in shown
    assert "Cobalt" in program("refdata", "list").output
    refused = program("refdata", "import-status", listed, "--mineral", "=1+1", ok=False)
    assert refused.exit_code != 0 and "not a mineral" in refused.output + refused.stderr
    workspace = open_workspace(program.root)
    try:
        store = workspace.reference
        assert store.status_snapshots() == []  # the 3TG status lists do not see cobalt refiners
        lists = store.mineral_status_snapshots()
    finally:
        workspace.close()
    book = MineralStatusBook.build(lists, dt.date(2026, 2, 1))
    assert book.status("Cobalt", UMICORE_OLEN).bucket is StatusBucket.CONFORMANT
    assert book.status("Cobalt", "CID003225").bucket is StatusBucket.ACTIVE
    assert book.status("Cobalt", RENAMED).bucket is StatusBucket.NOT_CONFORMANT
    assert book.status("Mica", UMICORE_OLEN).bucket is StatusBucket.NOT_LISTED
    assert book.status("Cobalt", UMICORE_OLEN).source == "cobalt-refiners.csv"


def test_status_list_xlsx_with_a_mineral_column(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "rmap-facilities.xlsx",
        [
            ["RMAP Facilities export"],
            ["Mineral", "Refiner Name", "Country Location", "RMAP Status", "Facility ID"],
            ["Cobalt", "Umicore Olen", "BELGIUM", "Conformant", "CID003228"],
            ["Mica", "A Mica Processor", "INDIA", "Active", "CID003512"],
            ["Tin", "Minsur", "PERU", "Conformant", "CID001182"],
        ],
    )
    snapshot = read_status_list(path, as_of=dt.date(2026, 3, 1))
    assert [(e.metal, e.mineral) for e in snapshot.entries] == [(None, "Cobalt"), (None, "Mica"), ("Tin", None)]
    book = MineralStatusBook.build([snapshot], dt.date(2026, 3, 1))
    assert book.status("mica", "CID003512").bucket is StatusBucket.ACTIVE
    three_tg = StatusBook.build([snapshot], dt.date(2026, 3, 1))
    assert three_tg.status("CID001182")[0] is StatusBucket.CONFORMANT  # the 3TG book reads its rows as before


def test_mineral_status_as_of_a_date(tmp_path: Path) -> None:
    def cobalt(name: str, label: str) -> Path:
        return _xlsx(tmp_path / name, [["Smelter ID", "Smelter Name", "Status"], [UMICORE_OLEN, "Umicore Olen", label]])

    january = read_status_list(cobalt("jan.xlsx", "Active"), as_of=dt.date(2026, 1, 15), mineral="Cobalt")
    june = read_status_list(cobalt("jun.xlsx", "Conformant"), as_of=dt.date(2026, 6, 15), mineral="Cobalt")
    mica = read_status_list(cobalt("mica.xlsx", "Suspended"), as_of=dt.date(2026, 7, 1), mineral="Mica")
    lists = [january, june, mica]
    assert mineral_status(lists, "Cobalt", UMICORE_OLEN, dt.date(2025, 12, 31)).bucket is StatusBucket.NOT_LISTED
    assert mineral_status(lists, "Cobalt", UMICORE_OLEN, dt.date(2026, 3, 1)).bucket is StatusBucket.ACTIVE
    later = mineral_status(lists, "Cobalt", UMICORE_OLEN, dt.date(2026, 12, 31))
    assert (later.bucket, later.label, later.list_as_of) == (StatusBucket.CONFORMANT, "Conformant", june.as_of)
    assert mineral_status(lists, "Mica", UMICORE_OLEN, dt.date(2026, 12, 31)).bucket is StatusBucket.NOT_CONFORMANT


def test_a_3tg_list_imported_beside_cobalt_keeps_its_figures(program: Program, tmp_path: Path) -> None:
    tin = tmp_path / "tin.csv"
    tin.write_text("Smelter ID,Metal,Status\nCID001182,Tin,Active\n", encoding="utf-8")
    program("refdata", "import-status", tin, "--as-of", "2026-01-15")
    cobalt = tmp_path / "cobalt.csv"
    cobalt.write_text(COBALT_CSV, encoding="utf-8")
    program("refdata", "import-status", cobalt, "--mineral", "Cobalt")
    workspace = open_workspace(program.root)
    try:
        lists = workspace.reference.status_snapshots()
    finally:
        workspace.close()
    assert [s.source for s in lists] == ["tin.csv"]
    assert StatusBook.build(lists, dt.date(2026, 2, 1)).status("CID001182")[0] is StatusBucket.ACTIVE
