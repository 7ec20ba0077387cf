"""Failure paths of the program commands: each ends in one clear line, exit 2, nothing half-done."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from tests.conftest import template_path
from tests.workspace_fixtures import Program


def test_broken_settings_stop_every_command(program: Program) -> None:
    settings = program.root / "conflict-minerals.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('mode = "files"', 'mode = "pigeon"'))
    result = program("status", ok=False)
    assert result.exit_code == 2
    assert "the settings have problems" in result.stderr and "mode must be 'files' or 'smtp'" in result.stderr


def test_supplier_file_without_name_column(program: Program, tmp_path: Path) -> None:
    listing = tmp_path / "suppliers.csv"
    listing.write_text("region,duns\nEMEA,1\n", encoding="utf-8")
    result = program("suppliers", "import", listing, ok=False)
    assert result.exit_code == 2 and "no a header row with a supplier name column" not in result.stderr
    assert "a header row with a supplier name column" in result.stderr
    assert json.loads(program("suppliers", "list", "--json").output) == []


def test_ingest_for_an_unknown_supplier(program: Program, tmp_path: Path) -> None:
    program("campaign", "start", "2025")
    result = program("ingest", template_path("RMI_CMRT_6.5.xlsx"), "--supplier", "Nobody Ltd.", ok=False)
    assert result.exit_code == 2 and "no supplier 'Nobody Ltd.'" in result.stderr
    assert json.loads(program("status", "--json").output)["unassigned"] == []


def test_report_for_a_year_without_campaign(program: Program, tmp_path: Path) -> None:
    result = program("report", "--period", "2030", "--out", tmp_path / "out", ok=False)
    assert result.exit_code == 2 and "no campaign for 2030" in result.stderr
    assert not (tmp_path / "out").exists()


def test_export_into_something_that_is_not_a_cmrt_template(program: Program, tmp_path: Path) -> None:
    program("campaign", "start", "2025")
    emrt = program(
        "export-cmrt",
        "--period",
        "2025",
        "--template",
        template_path("RMI_EMRT_2.1.xlsx"),
        "--out",
        tmp_path / "x.xlsx",
        ok=False,
    )
    assert emrt.exit_code == 2 and "not a CMRT template" in emrt.stderr
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    broken = program("export-cmrt", "--period", "2025", "--template", junk, "--out", tmp_path / "y.xlsx", ok=False)
    assert broken.exit_code == 2 and "not an Excel workbook" in broken.stderr
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "y.xlsx").exists()


def test_refdata_import_of_a_workbook_without_lookup(program: Program, tmp_path: Path) -> None:
    path = tmp_path / "budget.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Budget"  # type: ignore[index]
    book.save(path)
    result = program("refdata", "import", path, ok=False)
    assert result.exit_code == 2 and "no Smelter Look-up sheet" in result.stderr


def test_reminders_wait_for_the_interval(program: Program) -> None:
    program("suppliers", "add", "Granite Peak Metalworks LLC", "--email", "sales@granite.example")
    program("campaign", "start", "2025", "--due", "2026-01-31")  # long past
    first = program("remind").output
    assert "0 reminder(s)" in first  # the request went out minutes ago; the interval is 14 days
    assert "1 request(s) set to no_response" in first
    settings = program.root / "conflict-minerals.toml"
    text = settings.read_text(encoding="utf-8").replace("reminder_interval_days = 14", "reminder_interval_days = 0")
    settings.write_text(text, encoding="utf-8")
    assert "1 reminder(s)" in program("remind").output
    row = json.loads(program("status", "--json").output)["suppliers"][0]
    assert row["reminders_sent"] == 1 and row["state"] == "no_response"


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    root = tmp_path / "ws"
    root.mkdir()
    url = "postgresql://auditor:s3cret-word@127.0.0.1:1/cm"  # nothing listens on port 1
    (root / "conflict-minerals.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--workspace", str(root), "status"])
    assert result.exit_code == 2
    assert "cannot reach the database" in result.stderr and "127.0.0.1:1" in result.stderr
    assert "s3cret-word" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_supplier_import_reports_id_conflicts_and_audits_changes(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", "Apex Circuit Assembly", "--unique-id", "650012345")
    program("suppliers", "add", "Bluewater Precision Molding Inc.", "--unique-id", "650099999")
    listed = tmp_path / "suppliers.csv"
    listed.write_text(
        "name,unique_id,tier\nApex Circuit Assembly,650099999,1\nBluewater Precision Molding Inc.,650099999,2\n",
        encoding="utf-8",
    )
    result = program("suppliers", "import", listed, ok=False)
    assert result.exit_code == 1 and "1 not applied (ID conflicts)" in result.output
    assert "650099999 already belongs to 'Bluewater Precision Molding Inc.'" in result.stderr
    suppliers = {s["name"]: s for s in json.loads(program("suppliers", "list", "--json").output)}
    assert suppliers["Apex Circuit Assembly"]["unique_id"] == "650012345"  # never silently taken over
    assert suppliers["Bluewater Precision Molding Inc."]["tier"] == 2
    events = json.loads(program("log", "--json").output)
    assert any(e["kind"] == "supplier.updated" and e["detail"]["changed"] == ["tier"] for e in events)


def test_trusted_template_failures_are_one_line(program: Program, tmp_path: Path) -> None:
    missing = program("refdata", "import-template", tmp_path / "nowhere.xlsx", ok=False)
    assert missing.exit_code == 2 and "cannot read the file" in missing.stderr and "unexpected" not in missing.stderr
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    junk = program("refdata", "import-template", text, ok=False)
    assert junk.exit_code == 2 and "unexpected" not in junk.stderr and len(junk.stderr.strip().splitlines()) == 1
