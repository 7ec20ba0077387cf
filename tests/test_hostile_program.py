"""What a supplier (or a careless colleague) can do to a workspace: files that are not files, spoofed
identities, versions out of order. Nothing is kept that was refused; nothing is credited wrongly."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, declaration
from tests.workspace_fixtures import Program

SUPPLIER = "Acme Components Ltd."


def cmrt(path: Path, name: str, unique_id: str | None, effective: str = "2025-03-14") -> Path:
    company = dict(FULL_DECLARATION["company"], name=name, unique_id=unique_id, effective_date=effective)
    write_cmrt(path, declaration(company=company), bundled_snapshot().entries)
    return path


def status(program: Program) -> dict[str, object]:
    return json.loads(program("status", "--json").output)  # type: ignore[no-any-return]


def test_links_devices_and_oversized_files_are_refused_and_not_kept(program: Program, tmp_path: Path) -> None:
    program("campaign", "start", "2025")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"not for the workspace")
    (inbox / "link.xlsx").symlink_to(secret)
    os.mkfifo(inbox / "pipe.xlsx")
    huge = inbox / "huge.xlsx"
    with open(huge, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: 300 MB that takes no disk
    started = time.monotonic()
    result = program("ingest", inbox / "link.xlsx", inbox / "pipe.xlsx", huge, ok=False)
    assert time.monotonic() - started < 30  # the pipe is never opened, the big file never read whole
    assert result.exit_code == 2
    assert "symbolic link" in result.output and "not a regular file" in result.output and "64 MB" in result.output
    assert not any(p.is_file() for p in (program.root / "files").rglob("*"))
    assert status(program)["unassigned"] == []


def test_a_spoofed_unique_id_waits_for_assignment_with_a_finding(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    spoofed = cmrt(tmp_path / "spoof.xlsx", "Entirely Different Holdings Corp.", "123456789")
    result = program("ingest", spoofed)
    assert "1 unassigned" in result.output and "belongs to 'Acme Components Ltd.'" in result.output
    report = status(program)
    assert report["suppliers"][0]["current_file"] is None  # type: ignore[index]
    [waiting] = report["unassigned"]  # type: ignore[misc]
    program("assign", str(waiting["id"]), SUPPLIER)
    findings = json.loads(program("review", "--json", "--all", ok=False).output)[0]["findings"]
    assert any(f["code"] == "REV-016" and "Entirely Different Holdings" in f["message"] for f in findings)


def test_an_older_version_arriving_late_does_not_replace_the_newer(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path / "new.xlsx", SUPPLIER, "123456789", "2025-06-30"))
    late = program("ingest", cmrt(tmp_path / "old.xlsx", SUPPLIER, "123456789", "2025-01-15"))
    assert "older than the current version" in late.output
    row = status(program)["suppliers"][0]  # type: ignore[index]
    assert row["current_file"] == "new.xlsx" and row["current_version"] == 1
    events = [e["kind"] for e in json.loads(program("log", "--json").output)]
    assert "submission.received_not_current" in events


def test_accept_takes_the_version_it_accepts(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path / "v1.xlsx", SUPPLIER, "123456789", "2025-03-01"))
    program("ingest", cmrt(tmp_path / "v2.xlsx", SUPPLIER, "123456789", "2025-04-01"))
    refused = program("accept", SUPPLIER, "--version", "1", "--despite-findings", "--reason", "ok", ok=False)
    assert refused.exit_code == 2 and "current CMRT is version 2, not 1" in refused.stderr
    program("accept", SUPPLIER, "--version", "2", "--despite-findings", "--reason", "reviewed v2")


def test_assign_moves_a_file_cleanly(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("suppliers", "add", "Other Supplier Inc.")
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path / "acme.xlsx", SUPPLIER, "123456789"))
    submission = status(program)["suppliers"][0]  # type: ignore[index]
    assert submission["current_file"] == "acme.xlsx"
    program("assign", "1", "Other Supplier Inc.")
    rows = {row["supplier"]: row for row in status(program)["suppliers"]}  # type: ignore[attr-defined]
    assert rows[SUPPLIER]["current_file"] is None and rows["Other Supplier Inc."]["current_file"] == "acme.xlsx"


def test_empty_reasons_are_refused(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path / "acme.xlsx", SUPPLIER, "123456789"))
    for args in (("reject", SUPPLIER, "--reason", "  "), ("waive", SUPPLIER, "CMRT-C-001", "--reason", "")):
        result = program(*args, ok=False)
        assert result.exit_code == 2 and "reason" in result.stderr


def test_recheck_and_reprocess_keep_the_readers_findings(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    flawed = tmp_path / "flawed.xlsx"
    company = dict(FULL_DECLARATION["company"], name=SUPPLIER, unique_id="123456789", contact_email="none")
    write_cmrt(flawed, declaration(company=company), bundled_snapshot().entries)
    program("ingest", flawed)

    def codes() -> set[str]:
        return {f["code"] for f in json.loads(program("review", "--json", "--all", ok=False).output)[0]["findings"]}

    before = codes()
    assert "CMRT-C-005" in before
    program("review", "--recheck", ok=False)
    assert codes() == before
    program("reprocess")
    assert codes() == before
    refused = program("accept", SUPPLIER, ok=False)
    assert refused.exit_code == 2 and "CMRT-C-005" in refused.stderr


def test_a_suppliers_file_cannot_become_reference(program: Program, tmp_path: Path, build_cmrt) -> None:  # type: ignore[no-untyped-def]
    filled = build_cmrt("6.5", FULL_DECLARATION, "supplier.xlsx")
    refused = program("refdata", "import", filled, ok=False)
    assert refused.exit_code == 2 and "filled in" in refused.stderr
    assert "look-up" not in program("refdata", "list").output.split("CMRT 6.5")[-1]
    events = [e["kind"] for e in json.loads(program("log", "--json").output)]
    assert "reference.lookup_imported" not in events


def test_a_correction_with_an_earlier_date_replaces_a_future_dated_version(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    program("ingest", cmrt(tmp_path / "typo.xlsx", SUPPLIER, "123456789", "2052-03-14"))  # REV-013: in the future
    fixed = program("ingest", cmrt(tmp_path / "fixed.xlsx", SUPPLIER, "123456789", "2025-03-14"))
    assert "older than the current version" not in fixed.output
    assert status(program)["suppliers"][0]["current_file"] == "fixed.xlsx"  # type: ignore[index]


def test_a_blank_company_name_with_a_suppliers_id_waits_for_assignment(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    nameless = tmp_path / "nameless.xlsx"
    company = dict(FULL_DECLARATION["company"], name=None, unique_id="123456789")
    write_cmrt(nameless, declaration(company=company), bundled_snapshot().entries)
    assert "1 unassigned" in program("ingest", nameless).output


def test_a_hostile_file_name_is_shown_harmless(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    name = "cmrt\x1b[2J\u202eslx.exe.xlsx"
    shown = program("ingest", cmrt(tmp_path / name, SUPPLIER, "123456789"))
    assert "\x1b" not in shown.output and "\u202e" not in shown.output
    current = status(program)["suppliers"][0]["current_file"]  # type: ignore[index]
    assert current == "cmrt[2Jslx.exe.xlsx"


def test_unreadable_files_given_for_one_supplier_are_all_recorded(program: Program, tmp_path: Path) -> None:
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    bad = [tmp_path / "bad1.xlsx", tmp_path / "bad2.xlsx"]
    for number, path in enumerate(bad):
        path.write_bytes(b"%PDF-1.4 not a workbook " + bytes([number]))
    result = program("ingest", "--supplier", SUPPLIER, *bad, ok=False)
    assert result.exit_code == 2 and "2 unreadable" in result.output


def test_a_lying_look_up_changes_no_ones_report(program: Program, tmp_path: Path) -> None:
    """A supplier's file whose own look-up moves two Rwandan smelters to Belgium changes no figure."""
    import dataclasses

    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("suppliers", "add", "Honest Supplier Inc.", "--unique-id", "987654321")
    program("campaign", "start", "2025")
    rwandan = [{"smelter_id": "CID004054", "metal": "Tantalum"}, {"smelter_id": "CID003387", "metal": "Tin"}]
    honest = tmp_path / "honest.xlsx"
    company = dict(FULL_DECLARATION["company"], name="Honest Supplier Inc.", unique_id="987654321")
    write_cmrt(honest, declaration(company=company, smelters=rwandan), bundled_snapshot().entries)
    program("ingest", honest)
    out = tmp_path / "before"
    program("report", "--draft", "--period", "2025", "--out", out)
    before = json.loads((out / "report.json").read_text(encoding="utf-8"))["facilities"]
    assert before["in_covered_countries"] == 2

    lies = tuple(
        dataclasses.replace(e, country="BELGIUM") if e.smelter_id in ("CID004054", "CID003387") else e
        for e in bundled_snapshot().entries
    )
    liar = tmp_path / "liar.xlsx"
    company = dict(FULL_DECLARATION["company"], name=SUPPLIER, unique_id="123456789")
    write_cmrt(liar, declaration(company=company, smelters=rwandan), lies)
    program("ingest", liar, ok=False)
    after_out = tmp_path / "after"
    program("report", "--draft", "--period", "2025", "--out", after_out)
    after = json.loads((after_out / "report.json").read_text(encoding="utf-8"))
    assert after["facilities"]["in_covered_countries"] == 2
    assert {row["country"] for row in after["annex"] if row["smelter_id"] in ("CID004054", "CID003387")} == {"Rwanda"}
