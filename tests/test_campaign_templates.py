"""A campaign asks for several templates: requests, letters, versions, findings and decisions per template;
ingest routes each file by its detected type. EMRTs are RMI's real 2.1 workbook filled here."""

from __future__ import annotations

import datetime as dt
import email
import json
from email import policy
from pathlib import Path

from conflict_minerals.cmrt.patcher import Value, patch_workbook
from tests.conftest import declaration, template_path
from tests.workspace_fixtures import Program

NORDIC = "Nordic Cells AB"
CEDAR = "Cedar Valley Electronics Corp."


def _emrt(
    folder: Path,
    company: str = NORDIC,
    listed: bool = True,
    name: str = "nordic-emrt.xlsx",
    extra: dict[str, dict[str, Value]] | None = None,
) -> Path:
    """RMI's EMRT 2.1 filled as a supplier would, patched in place (openpyxl takes ~10 s a round trip)."""
    declaration_cells: dict[str, Value] = {
        "D8": company,
        "D9": "A. Company",
        "D20": "cmrt@nordic.example",
        "D26": dt.date(2026, 2, 1),
        "E12": "(Delete Copper)",
        "D13": "(Delete Lithium)",  # leaves Cobalt, Graphite, Mica, Nickel: rows 30-33
    }
    declaration_cells |= dict(zip(("D30", "D31", "D32", "D33"), ("Yes", "No", "Yes", "No"), strict=True))
    cells: dict[str, dict[str, Value]] = {"Declaration": declaration_cells}
    if listed:
        drc = "Congo, Democratic Republic of the"
        cells["Smelter List"] = {"B5": "Cobalt", "C5": "Smelter not listed", "D5": "Kolwezi Cobalt Refinery", "E5": drc}
        cells["Mine List"] = {"A5": "Cobalt", "B5": "Kolwezi Cobalt Refinery", "C5": "Mutanda", "F5": drc}
    for sheet, more in (extra or {}).items():
        cells[sheet] = {**cells.get(sheet, {}), **more}
    path = folder / name
    # the minerals Excel lists beside the answers follow the selection: their cached labels are stale
    patch_workbook(template_path("RMI_EMRT_2.1.xlsx"), path, cells, {"Declaration": [f"B{r}" for r in range(30, 36)]})
    return path


def _status(program: Program) -> dict[tuple[str, str], dict[str, object]]:
    rows = json.loads(program("status", "--json").output)["suppliers"]
    return {(row["supplier"], row["template"]): row for row in rows}


def test_a_campaign_asks_each_supplier_for_every_template_and_writes_a_letter_for_each(program: Program) -> None:
    program("suppliers", "add", NORDIC, "--email", "ann@nordic.example")
    started = program("campaign", "start", "2025", "--templates", "emrt,CMRT")
    assert "Campaign 2025 (CMRT and EMRT): 2 new request(s)" in started.output
    letters = sorted((program.root / "outbox").rglob("*.eml"))
    assert [p.name.split("-", 1)[1] for p in letters] == [
        "nordic-cells-ab-request.eml",
        "nordic-cells-ab-emrt-request.eml",
    ]
    emrt = email.message_from_bytes(letters[1].read_bytes(), policy=policy.default)
    body = " ".join(emrt.get_body().get_content().split())  # type: ignore[union-attr]
    assert "EMRT" in emrt["Subject"] and "Extended Minerals Reporting Template (EMRT)" in body
    assert "cobalt, mica" in body and "tin, tantalum" not in body
    assert "0 new request(s)" in program("campaign", "start", "2025").output  # the templates asked are kept
    status = json.loads(program("status", "--json").output)
    assert status["templates"] == ["CMRT", "EMRT"]
    assert set(status["by_template"]) == {"CMRT", "EMRT"}
    assert status["by_template"]["EMRT"]["surveyed"] == 1


def test_an_unknown_template_is_refused_with_what_can_be_asked(program: Program) -> None:
    result = program("campaign", "start", "2025", "--templates", "CMRT,XMRT", ok=False)
    assert result.exit_code == 2
    assert "unknown template XMRT" in result.stderr and "EMRT" in result.stderr
    assert "Traceback" not in result.output


def test_an_emrt_is_filed_under_the_suppliers_emrt_request(program: Program, build_cmrt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--templates", "CMRT,EMRT", "--no-letters")
    cmrt = build_cmrt("6.5", declaration(company={**declaration()["company"], "name": NORDIC}), "nordic-cmrt.xlsx")
    ingested = program("ingest", _emrt(tmp_path), cmrt, ok=False)
    assert "nordic-emrt.xlsx: Nordic Cells AB v1" in ingested.output
    assert "nordic-cmrt.xlsx: Nordic Cells AB v1" in ingested.output  # versions are counted per template
    status = _status(program)
    assert status[(NORDIC, "EMRT")]["state"] == "under_review"
    assert status[(NORDIC, "EMRT")]["template_version"] == "2.1"
    assert status[(NORDIC, "CMRT")]["current_file"] == "nordic-cmrt.xlsx"
    # a second EMRT is version 2 of the EMRT, and the CMRT stays as it was
    again = program("ingest", _emrt(tmp_path, name="nordic-emrt-v2.xlsx", listed=False), ok=False)
    assert "nordic-emrt-v2.xlsx: Nordic Cells AB v2" in again.output
    status = _status(program)
    assert status[(NORDIC, "EMRT")]["current_version"] == 2 and status[(NORDIC, "CMRT")]["current_version"] == 1
    items = {item["template"]: item for item in json.loads(program("review", "--json", ok=False).output)}
    emrt_codes = {(f["code"], f["sheet"], f["cell"]) for f in items["EMRT"]["findings"]}
    # cobalt (row 30) and mica (row 32) declared used, no facility listed in version 2
    assert {("EXT-R-004", "Declaration", "D30"), ("EXT-R-004", "Declaration", "D32")} <= emrt_codes
    waived = program("waive", NORDIC, "EXT-R-004", "--template", "emrt", "--reason", "refiner named by e-mail")
    assert "2 finding(s) EXT-R-004 waived" in waived.output
    assert "accept recorded (EMRT)" in program("accept", NORDIC, "--template", "EMRT").output
    status = _status(program)
    assert status[(NORDIC, "EMRT")]["state"] == "accepted" and status[(NORDIC, "CMRT")]["state"] == "under_review"
    refused = program("accept", CEDAR, "--template", "EMRT", ok=False)
    assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_cobalt_rows_never_reach_the_3tg_facilities(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--templates", "CMRT,EMRT", "--no-letters")
    program("ingest", _emrt(tmp_path))
    names = json.loads(program("smelters", "review", "--json").output)
    assert "Kolwezi" not in json.dumps(names)
    draft = program("report", "--period", "2025", "--draft", "--out", tmp_path / "draft", ok=False)
    assert "Traceback" not in draft.output
    written = sorted((tmp_path / "draft").glob("*.md"))
    assert written, draft.output  # the draft exists, so the assertion below reads something
    assert "Kolwezi" not in "".join(p.read_text(encoding="utf-8") for p in written)


def test_a_template_the_campaign_did_not_ask_for_is_filed_with_a_finding(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--no-letters")
    program("ingest", _emrt(tmp_path))
    [item] = json.loads(program("review", "--json", ok=False).output)
    assert item["template"] == "EMRT"
    [finding] = [f for f in item["findings"] if f["code"] == "EXT-R-001"]
    assert finding["severity"] == "warning" and "asks for CMRT" in finding["message"]


def test_the_extended_minerals_summary_counts_answers_facilities_and_mines(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", NORDIC)
    program("suppliers", "add", CEDAR)
    program("campaign", "start", "2025", "--templates", "CMRT,EMRT", "--no-letters")
    program("ingest", _emrt(tmp_path))
    out = tmp_path / "summary" / "minerals.md"
    summary = json.loads(program("minerals", "--as-of", "2026-01-15", "--out", out, "--json").output)
    assert summary["templates"] == {"EMRT": {"asked": 2, "answered": 1}}
    by_mineral = {m["mineral"]: m for m in summary["minerals"]}
    assert set(by_mineral) == {"Cobalt", "Graphite", "Mica", "Nickel"}
    cobalt = by_mineral["Cobalt"]
    assert (cobalt["suppliers_answered"], cobalt["declared_used"], cobalt["facilities"]) == (1, 1, 1)
    assert cobalt["facility_countries"] == {"Democratic Republic of the Congo": 1}  # one spelling per country
    assert cobalt["mines_by_country"] == {"Democratic Republic of the Congo": 1}
    assert by_mineral["Graphite"]["declared_used"] == 0 and by_mineral["Graphite"]["facilities"] == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Extended minerals summary, 2025") and "## Cobalt" in text


def test_cobalt_rows_are_matched_and_given_a_status_from_trusted_cobalt_data(program: Program, tmp_path: Path) -> None:
    """A row names a real cobalt refiner of RMI's EMRT 2.1 look-up; the status list is shaped like RMI's cobalt
    refiners list and written here (no real one is available)."""
    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--templates", "EMRT", "--no-letters")
    row = {"A6": "CID003228", "B6": "Cobalt", "D6": "Umicore", "E6": "Belgium"}
    program("ingest", _emrt(tmp_path, name="nordic-emrt-ids.xlsx", extra={"Smelter List": row}))
    before = json.loads(program("minerals", "--json").output)["minerals"][0]
    # nothing trusted yet: the ID is the supplier's word only
    assert before["facilities_by_status"] == {"Smelter ID not in RMI's look-up": 1, "not identified (no Smelter ID)": 1}
    program("refdata", "import-lookup", template_path("RMI_EMRT_2.1.xlsx"))
    rechecked = program("review", "--recheck", "--json", ok=False)
    assert "Traceback" not in rechecked.output
    statuses = tmp_path / "cobalt.csv"
    statuses.write_text(
        "Smelter ID,Standard Smelter Name,Country,Assessment Status\nCID003228,Umicore,Belgium,Conformant\n"
    )
    program("refdata", "import-status", statuses, "--mineral", "Cobalt", "--as-of", "2026-01-15")
    cobalt = json.loads(program("minerals", "--as-of", "2026-02-01", "--json").output)["minerals"][0]
    assert cobalt["mineral"] == "Cobalt" and cobalt["facilities"] == 2
    assert cobalt["facilities_by_status"] == {"Conformant": 1, "not identified (no Smelter ID)": 1}


def test_bad_smelter_rows_get_findings_and_are_not_counted_as_facilities(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--templates", "EMRT", "--no-letters")
    program("refdata", "import-lookup", template_path("RMI_EMRT_2.1.xlsx"))
    rows = (
        ("CID999999", "Cobalt", None, "Nowhere Cobalt", "Belgium"),  # an ID RMI does not list
        ("CID000015", "Cobalt", None, "Some refinery", "Japan"),  # a gold refiner's ID
        ("not-an-id", "Cobalt", None, "Odd Co", "Chile"),
        (None, "Cobalt", "Smelter not listed", None, "Chile"),  # not listed, without a name
        (None, "Cobalt", "Smelter not yet identified", None, None),
        (None, "Mica", "Smelter not listed", "Mica Mill", "India"),  # mica is declared not used
    )
    smelters = {
        f"{column}{6 + offset}": value
        for offset, values in enumerate(rows)
        for column, value in zip("ABCDE", values, strict=True)
    }
    extra = {"Smelter List": smelters, "Declaration": {"D32": "No"}}  # Q1 Mica: not used
    program("ingest", _emrt(tmp_path, name="nordic-emrt-bad-rows.xlsx", extra=extra), ok=False)
    [item] = json.loads(program("review", "--json", ok=False).output)
    found = {(f["code"], f["cell"]) for f in item["findings"]}
    assert {("EXT-R-005", "A6"), ("EXT-R-005", "A7"), ("EXT-R-006", "A8"), ("EMRT-C-006", "D9")} <= found
    assert ("EXT-R-007", "B11") in found
    cobalt = json.loads(program("minerals", "--json").output)["minerals"][0]
    # Kolwezi (row 5), the two unknown or foreign IDs and the malformed one; not the nameless rows 9 and 10
    assert cobalt["facilities"] == 4
    assert cobalt["facilities_by_status"]["Smelter ID not in RMI's look-up"] == 3  # unknown, gold, malformed


def test_control_characters_in_an_emrt_are_removed_and_said(tmp_path: Path) -> None:
    from conflict_minerals.cmrt.extended import read_extended

    named = {"Smelter List": {"D5": "Kolwezi Cobalt\u202e Refinery"}}  # a right-to-left override
    document = read_extended(_emrt(tmp_path, name="control.xlsx", extra=named))
    assert document.smelters[0].name == "Kolwezi Cobalt Refinery"
    [finding] = [f for f in document.findings if f.code == "EMRT-D-007"]
    assert (finding.source.sheet, finding.source.cell) == ("Smelter List", "D5")


def test_migrate_derives_again_the_extended_rows_an_older_reader_keyed(program: Program, tmp_path: Path) -> None:
    from sqlalchemy import select, update

    from conflict_minerals.program.documents import READER_VERSION
    from conflict_minerals.program.schema import smelter_rows, submissions
    from conflict_minerals.program.workspace import open_workspace

    program("suppliers", "add", NORDIC)
    program("campaign", "start", "2025", "--templates", "CMRT,EMRT", "--no-letters")
    program("ingest", _emrt(tmp_path))
    workspace = open_workspace(program.root)
    try:
        with workspace.transaction() as connection:
            current = sorted(k for k in connection.scalars(select(smelter_rows.c.facility_key)) if k)
            assert current  # the EMRT's facilities are keyed
            connection.execute(update(submissions).values(reader_version="2"))  # as an older version stored it
            connection.execute(update(smelter_rows).values(facility_key="Cobalt|old key"))
    finally:
        workspace.close()
    program("migrate")
    workspace = open_workspace(program.root)
    try:
        with workspace.read() as connection:
            keys = sorted(k for k in connection.scalars(select(smelter_rows.c.facility_key)) if k)
            versions = set(connection.scalars(select(submissions.c.reader_version)))
    finally:
        workspace.close()
    assert keys == current and versions == {READER_VERSION}
