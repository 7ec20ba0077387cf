"""A campaign end to end from the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

GOOD = "Apex Circuit Assembly Sdn. Bhd."
FLAWED = "Cedar Valley Electronics Corp."
SILENT = "Granite Peak Metalworks LLC"
NO_3TG = "Bluewater Precision Molding Inc."


CONSISTENT_GOLD = {"Q1": "Yes", "Q2": "Yes", "Q3": "No", "Q4": "No", "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}


def cmrt(folder: Path, name: str, supplier: str, mtime: float, **changes: Any) -> Path:
    details = dict(FULL_DECLARATION["company"], name=supplier, unique_id=None, effective_date=dt.date(2026, 2, 1))
    details.update(changes.pop("company", {}))
    questions = dict(FULL_DECLARATION["questions"], gold=CONSISTENT_GOLD)
    changes.setdefault("questions", questions)
    path = folder / name
    write_cmrt(path, declaration(company=details, **changes), bundled_snapshot().entries)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A folder of received files: good, flawed, unreadable, a duplicate and one from an unknown company."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    start = time.time() - 1000
    cmrt(folder, "apex.xlsx", GOOD, start)
    cmrt(folder, "cedar.xlsx", FLAWED, start + 1, company={"contact_email": "see website", "effective_date": None})
    not_used = {metal: {"Q1": "No"} for metal in ("tantalum", "tin", "gold", "tungsten")}
    cmrt(folder, "bluewater.xlsx", NO_3TG, start + 2, questions=not_used, smelters=[], company_questions={})
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "apex-copy.xlsx").write_bytes((folder / "apex.xlsx").read_bytes())
    cmrt(folder, "stranger.xlsx", "Stranger Components Pte. Ltd.", start + 3)
    return folder


SUPPLIERS_CSV = f"""name,unique_id,unique_id_authority,contact_name,contact_email,tier,region
{GOOD},650012345,DUNS,Ana Tan,ana@apex.example,1,APAC
{FLAWED},,,Dana Whitfield,dana@cedar.example,1,NA
{SILENT},,,,sales@granite.example,2,NA
{NO_3TG},,,,quality@bluewater.example,1,NA
"""


def status(program: Program) -> dict[str, Any]:
    return json.loads(program("status", "--json").output)


def by_supplier(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["supplier"]: row for row in report["suppliers"]}


def test_campaign_end_to_end(program: Program, inbox: Path, tmp_path: Path) -> None:
    suppliers_file = tmp_path / "suppliers.csv"
    suppliers_file.write_text(SUPPLIERS_CSV, encoding="utf-8")
    imported = program("suppliers", "import", suppliers_file)
    assert "4 added, 0 updated" in imported.output
    assert "unknown columns ignored: region" in imported.stderr
    assert "0 added, 0 updated" in program("suppliers", "import", suppliers_file).output

    assert "4 new request(s); responses due 2026-03-31" in program("campaign", "start", "2025").output

    ingested = program("ingest", inbox, ok=False)
    assert ingested.exit_code == 2  # one file could not be read; the rest went in
    assert "3 added, 1 duplicate, 1 unassigned, 1 unreadable" in ingested.output
    assert "broken.xlsx: unreadable: the workbook is damaged or truncated" in ingested.output

    report = status(program)
    rows = by_supplier(report)
    assert rows[GOOD]["state"] == "under_review" and rows[GOOD]["current_version"] == 1
    assert rows[FLAWED]["open_findings"]["error"] >= 2
    assert rows[SILENT]["state"] == "requested"
    assert report["totals"]["responded"] == 3 and report["totals"]["surveyed"] == 4
    assert report["outstanding"] == [SILENT]
    assert [item["declared_company"] for item in report["unassigned"]] == ["Stranger Components Pte. Ltd.", None]

    flawed = json.loads(program("review", FLAWED, "--json", ok=False).output)
    codes = {(f["code"], f["cell"]) for f in flawed[0]["findings"]}
    assert {("CMRT-C-005", "D16"), ("CMRT-C-009", "D22")} <= codes

    corrections = program("corrections", FLAWED)
    assert "correction request written to" in corrections.output
    [eml_path] = (program.root / "outbox" / "2025").glob("*-cedar-valley-electronics-corp-correction.eml")
    message = eml_path.with_suffix(".txt").read_text()
    assert "sheet 'Declaration', cell D16" in message and "sheet 'Declaration', cell D22" in message
    eml = eml_path.read_text()
    assert "To: dana@cedar.example" in eml and "Message-ID:" in eml and "Date:" in eml
    assert by_supplier(status(program))[FLAWED]["state"] == "correction_requested"

    fixed = cmrt(tmp_path, "cedar-v2.xlsx", FLAWED, time.time())
    assert "1 added" in program("ingest", fixed).output
    rows = by_supplier(status(program))
    assert (rows[FLAWED]["state"], rows[FLAWED]["current_version"]) == ("under_review", 2)
    assert rows[FLAWED]["open_findings"].get("error") is None

    program("accept", GOOD)
    program("accept", FLAWED, "--reason", "corrected version complete")
    program("not-applicable", NO_3TG, "--reason", "declares no 3TG in any product")
    program("escalate", SILENT, "--reason", "no answer after two reminders")
    settings = program.root / "conflict-minerals.toml"  # the request went out just now: no waiting in a test
    settings.write_text(settings.read_text().replace("reminder_interval_days = 14", "reminder_interval_days = 0"))
    reminders = program("remind")
    assert f"{SILENT}: reminder written" in reminders.output
    stranger = next(i for i in status(program)["unassigned"] if i["declared_company"])
    program("suppliers", "add", "Stranger Components Pte. Ltd.")
    program("assign", stranger["id"], "Stranger Components Pte. Ltd.")

    final = status(program)
    rows = by_supplier(final)
    assert rows[FLAWED]["state"] == "accepted"
    assert rows[NO_3TG]["state"] == "not_applicable"
    assert rows["Stranger Components Pte. Ltd."]["current_version"] == 1
    assert rows[SILENT]["reminders_sent"] == 1

    events = json.loads(program("log", "--json").output)
    kinds = [e["kind"] for e in events]
    for kind in (
        "suppliers.imported",
        "campaign.started",
        "submission.received",
        "submission.unreadable",
        "submission.unassigned",
        "correction.requested",
        "decision.accepted",
        "decision.not_applicable",
        "decision.escalated",
        "reminder.sent",
    ):
        assert kind in kinds, kind
    accepted = next(e for e in events if e["kind"] == "decision.accepted" and e["supplier"] == FLAWED)
    assert (accepted["supplier"], accepted["reason"], accepted["detail"]["to"]) == (
        FLAWED,
        "corrected version complete",
        "accepted",
    )
    assert all("@" not in json.dumps(e["detail"]) for e in events)  # no contact data in the trail


def test_reingesting_adds_nothing(program: Program, inbox: Path) -> None:
    program("suppliers", "add", GOOD, "--unique-id", "650012345")
    program("campaign", "start", "2025")
    program("ingest", inbox, ok=False)
    before = status(program)
    again = program("ingest", inbox, ok=False)
    assert "0 added, 6 duplicate" in again.output
    assert status(program) == before
    from sqlalchemy import func, select

    from conflict_minerals.program.schema import file_contents, files
    from conflict_minerals.program.workspace import open_workspace

    # apex (its copy has the same bytes), cedar, bluewater, stranger, broken
    workspace = open_workspace(program.root)
    with workspace.read() as connection:
        assert connection.execute(select(func.count()).select_from(files)).scalar() == 5
        in_database = connection.execute(select(func.count()).select_from(file_contents)).scalar()
    on_disk = list((program.root / "files").rglob("*.xlsx"))
    assert (in_database, len(on_disk)) == ((5, 0) if workspace.shared_database else (0, 5))
    workspace.close()


def test_waive_then_accept(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", FLAWED)
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path, "c.xlsx", FLAWED, time.time(), company={"contact_email": "n/a"}))
    refused = program("accept", FLAWED, ok=False)
    assert refused.exit_code == 2 and "CMRT-C-005" in refused.stderr
    program("waive", FLAWED, "CMRT-C-005", "--reason", "supplier has no e-mail; phone confirmed")
    program("accept", FLAWED)
    review = json.loads(program("review", FLAWED, "--json", "--all").output)
    waived = [f for f in review[0]["findings"] if f["code"] == "CMRT-C-005"]
    assert waived[0]["waived"] and waived[0]["waiver_reason"] == "supplier has no e-mail; phone confirmed"


def test_commands_outside_a_workspace_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 2
    assert "no workspace in this folder or above it; run `conflict-minerals init DIR`" in result.stderr


def test_no_campaign_yet(program: Program, inbox: Path) -> None:
    result = program("ingest", inbox, ok=False)
    assert result.exit_code == 2 and "start one with `conflict-minerals campaign start YEAR`" in result.stderr


def test_recheck_after_new_reference_data_keeps_waivers(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", GOOD)
    program("campaign", "start", "2025")
    peru = {"metal": "Tin", "lookup_name": "Smelter not listed", "name": "Andes Tin Works", "country": "PERU"}
    smelters = [*FULL_DECLARATION["smelters"], peru]
    questions = dict(FULL_DECLARATION["questions"], gold=CONSISTENT_GOLD)
    questions["tin"] = dict(questions["tin"], Q4="No")  # "no tin from conflict-affected areas"
    program("ingest", cmrt(tmp_path, "apex.xlsx", GOOD, time.time(), smelters=smelters, questions=questions))
    program("waive", GOOD, "REV-011", "--cell", "D10", "--reason", "known recycler, confirmed by phone")
    before = json.loads(program("review", GOOD, "--json", "--all").output)[0]["findings"]
    assert "REV-005" not in {f["code"] for f in before}

    cahra = tmp_path / "cahra.csv"
    cahra.write_text("Country\nPeru\n", encoding="utf-8")
    program("refdata", "import-cahra", cahra)
    rechecked = program("review", GOOD, "--recheck", "--json", "--all")
    assert "rechecked apex.xlsx" in rechecked.stderr
    after = json.loads(rechecked.stdout)[0]["findings"]
    assert "REV-005" in {f["code"] for f in after}
    waived = [f for f in after if f["code"] == "REV-011" and f["cell"] == "D10"]
    assert waived and waived[0]["waived"] and waived[0]["waiver_reason"] == "known recycler, confirmed by phone"
    assert "review.rechecked" in [e["kind"] for e in json.loads(program("log", "--json").output)]


def test_inactive_suppliers_get_no_request(program: Program) -> None:
    program("suppliers", "add", GOOD)
    program("suppliers", "add", SILENT)
    program("suppliers", "deactivate", SILENT, "--reason", "no longer supplies us")
    assert "1 new request(s)" in program("campaign", "start", "2025").output
    assert [row["supplier"] for row in status(program)["suppliers"]] == [GOOD]
    listed = json.loads(program("suppliers", "list", "--json").output)
    assert {(s["name"], s["active"]) for s in listed} == {(GOOD, True), (SILENT, False)}
    events = json.loads(program("log", "--json").output)
    assert any(e["kind"] == "supplier.deactivated" and e["reason"] == "no longer supplies us" for e in events)
