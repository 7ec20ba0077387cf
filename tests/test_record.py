"""A complete record: reference imports removed with a reason, the audit trail filtered and exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from tests.workspace_fixtures import Program


def _status_list(tmp_path: Path, name: str = "conformant.csv") -> Path:
    path = tmp_path / name
    path.write_text("Smelter ID,Assessment Status\nCID000015,Conformant\n", encoding="utf-8")
    return path


def test_a_wrong_import_is_removed_with_a_reason_and_runs_keep_what_they_used(program: Program, tmp_path: Path) -> None:
    program("refdata", "import-status", _status_list(tmp_path), "--as-of", "2026-01-15")
    cahra = tmp_path / "cahra.csv"
    cahra.write_text("Country\nRwanda\n", encoding="utf-8")
    program("refdata", "import-cahra", cahra)
    listed = json.loads(program("refdata", "list", "--json").output)["imported"]
    kinds = {(item["kind"], item["id"]) for item in listed}
    assert ("status", 1) in kinds and ("cahra", 1) in kinds
    text = program("refdata", "list").output
    assert "status      1  2026-01-15" in text and "refdata remove" in text

    removed = program("refdata", "remove", "status", "1", "--reason", "imported the wrong month")
    assert "Removed status 1: 2026-01-15" in removed.output
    assert ("status", 1) not in {
        (i["kind"], i["id"]) for i in json.loads(program("refdata", "list", "--json").output)["imported"]
    }
    event = json.loads(program("log", "--kind", "reference.removed", "--json").output)[0]
    assert event["reason"] == "imported the wrong month" and event["detail"]["kind"] == "status"

    again = program("refdata", "remove", "status", "1", "--reason", "twice", ok=False)
    assert again.exit_code == 2 and "no imported status number 1" in again.stderr
    blank = program("refdata", "remove", "cahra", "1", "--reason", " ", ok=False)
    assert blank.exit_code == 2 and "needs a reason" in blank.stderr


def test_the_log_filters_by_campaign_kind_and_date_and_exports_csv(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", "Granite Peak Metalworks LLC", "--email", "sales@granite.example")
    program("suppliers", "add", '=HYPERLINK("http://x")', "--email", "evil@x.example")  # a formula as a name
    program("campaign", "start", "2025")
    program("campaign", "start", "2026", "--no-letters")
    program("campaign", "close", "2025")

    events = json.loads(program("log", "--json").output)
    assert all(e["at"].endswith("+00:00") for e in events)  # times carry their zone
    only_2025 = json.loads(program("log", "--campaign", "2025", "--json").output)
    assert only_2025 and {e["campaign"] for e in only_2025} == {2025}
    sent = json.loads(program("log", "--kind", "request", "--json").output)
    assert {e["kind"] for e in sent} == {"request.created", "request.sent"}
    assert {e["kind"] for e in json.loads(program("log", "--kind", "campaign", "--json").output)} == {
        "campaign.started",
        "campaign.closed",
    }
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert json.loads(program("log", "--since", tomorrow, "--json").output) == []
    assert len(json.loads(program("log", "--limit", "2", "--json").output)) == 2
    assert "[2025]" in program("log", "--campaign", "2025").output

    out = tmp_path / "trail.csv"
    program("log", "--csv", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == len(events) and set(rows[0]) >= {"at", "actor", "kind", "campaign", "supplier", "detail"}
    assert not any(r["supplier"].startswith("=") for r in rows)  # neutral to the spreadsheet that opens it
    stdout = program("log", "--csv", "-", "--kind", "campaign.closed").output
    assert stdout.splitlines()[0].startswith("at,actor,kind") and len(stdout.splitlines()) == 2


def test_supplier_lists_as_erp_systems_export_them(program: Program, tmp_path: Path) -> None:
    erp = tmp_path / "vendors.csv"
    text = (
        "Vendor master export 2026-01-05\n"  # a one-cell title row
        "Supplier Name;DUNS;E-Mail Address;Preferred Language\n"
        "Apex Circuit Assembly Sdn. Bhd.;650012345;cmrt@apex.example.com;de\n"
        "Bluewater Präzision GmbH;650067890;not-an-email;xx-notalanguage\n"
    )
    erp.write_bytes(text.encode("utf-16"))  # with a BOM, as Excel's "Unicode text" writes it
    result = program("suppliers", "import", erp)
    assert "2 added" in result.output
    assert "row 4: the contact e-mail is not an e-mail address" in result.stderr and "not-an-email" not in result.stderr
    listed = {s["name"]: s for s in json.loads(program("suppliers", "list", "--json").output)}
    apex = listed["Apex Circuit Assembly Sdn. Bhd."]
    assert (apex["unique_id"], apex["unique_id_authority"]) == ("650012345", "DUNS")
    assert (apex["with_email"], apex["language"]) == (True, "de")
    bluewater = listed["Bluewater Präzision GmbH"]
    assert (bluewater["with_email"], bluewater["language"]) == (False, None)

    same_id = tmp_path / "more.csv"
    same_id.write_text("Vendor Name,DUNS\nKestrel Labs,650012345\n", encoding="utf-8")
    clash = program("suppliers", "import", same_id, ok=False)
    assert clash.exit_code == 1 and "already belongs to 'Apex Circuit Assembly Sdn. Bhd.', not 'Kestrel Labs'" in (
        clash.stderr
    )
    assert "Kestrel Labs" not in program("suppliers", "list").output  # never merged into Apex

    nothing = tmp_path / "empty-rows.csv"
    nothing.write_text("Supplier Name,DUNS\n,1\n,2\n", encoding="utf-8")
    refused = program("suppliers", "import", nothing, ok=False)
    assert refused.exit_code == 2 and "no row could be read as a supplier" in refused.stderr
    taken = program("suppliers", "add", "Bad Mail Ltd", "--email", "not-an-email", ok=False)
    assert taken.exit_code == 2 and "not one plain e-mail address" in taken.stderr


def test_skipped_files_are_named_and_unreadable_ones_can_be_set_aside(program: Program, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("call Dana", encoding="utf-8")
    (inbox / "broken.xlsx").write_bytes(b"garbage")
    program("campaign", "start", "2025", "--no-letters")
    result = program("ingest", inbox, ok=False)
    assert result.exit_code == 2
    assert "notes.txt: skipped: not a spreadsheet file" in result.output and "1 skipped" in result.output
    assert "discard SUBMISSION" in result.output
    [waiting] = json.loads(program("status", "--json").output)["unassigned"]
    done = program("discard", waiting["id"], "--reason", "a forwarded signature image")
    assert "broken.xlsx" in done.output
    assert json.loads(program("status", "--json").output)["unassigned"] == []
    again = program("discard", waiting["id"], "--reason", "twice", ok=False)
    assert again.exit_code == 2 and "already discarded" in again.stderr
    [event] = json.loads(program("log", "--kind", "submission.discarded", "--json").output)
    assert event["reason"] == "a forwarded signature image" and event["campaign"] == 2025
