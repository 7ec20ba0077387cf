"""Interrupted and concurrent ingests lose nothing and leave the same database as a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from conflict_minerals.cli import cli
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.program.schema import requests, submissions, suppliers
from conflict_minerals.program.workspace import open_workspace
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import declaration
from tests.workspace_fixtures import Program

SUPPLIERS = [f"Supplier {letter} Manufacturing Co." for letter in "ABCDEFGH"]


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sixteen CMRTs: two versions from each of eight suppliers, oldest first by file time."""
    folder = tmp_path_factory.mktemp("many")
    start = time.time() - 10_000
    for version in (1, 2):
        for index, name in enumerate(SUPPLIERS):
            company = dict(
                declaration()["company"], name=name, unique_id=None, contact_phone=f"+1 555 01{version}{index}"
            )
            path = folder / f"{index}-{name.split()[1].lower()}-v{version}.xlsx"
            write_cmrt(path, declaration(company=company), bundled_snapshot().entries)
            stamp = start + version * 100 + index
            os.utime(path, (stamp, stamp))
    return folder


def prepare(program: Program) -> None:
    for name in SUPPLIERS:
        program("suppliers", "add", name)
    program("campaign", "start", "2025")


def snapshot(root: Path) -> dict[str, object]:
    """The logical content of a workspace database: what an auditor would compare."""
    workspace = open_workspace(root)
    try:
        with workspace.transaction() as connection:
            rows = connection.execute(
                select(suppliers.c.name, submissions.c.file_name, submissions.c.file_sha256, submissions.c.version)
                .join(suppliers, suppliers.c.id == submissions.c.supplier_id, isouter=True)
                .order_by(submissions.c.file_name)
            ).all()
            current = connection.execute(
                select(suppliers.c.name, requests.c.state, submissions.c.file_name)
                .join(suppliers, suppliers.c.id == requests.c.supplier_id)
                .join(submissions, submissions.c.id == requests.c.current_submission_id, isouter=True)
                .order_by(suppliers.c.name)
            ).all()
        return {"submissions": [tuple(r) for r in rows], "current": [tuple(r) for r in current]}
    finally:
        workspace.close()


def ingest_process(root: Path, folder: Path) -> subprocess.Popen[bytes]:
    # one worker: files are stored one by one, so a kill lands midway even on a fast machine
    command = [
        sys.executable,
        "-m",
        "conflict_minerals",
        "--workspace",
        str(root),
        "ingest",
        str(folder),
        "--jobs",
        "1",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def count_submissions(root: Path) -> int:
    workspace = open_workspace(root)
    try:
        with workspace.transaction() as connection:
            return int(connection.execute(select(func.count()).select_from(submissions)).scalar_one())
    finally:
        workspace.close()


@pytest.fixture
def reference_run(tmp_path: Path, many_files: Path) -> dict[str, object]:
    root = tmp_path / "reference-run"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    clean = Program(root)
    prepare(clean)
    clean("ingest", many_files)
    return snapshot(root)


def test_killed_ingest_then_rerun_equals_a_clean_run(
    program: Program, many_files: Path, reference_run: dict[str, object]
) -> None:
    prepare(program)
    process = ingest_process(program.root, many_files)
    deadline = time.time() + 120
    while count_submissions(program.root) < 1 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = count_submissions(program.root)
    assert 0 < stored < 16, "the kill should land midway"

    rerun = program("ingest", many_files)
    assert f"{16 - stored} added, {stored} duplicate" in rerun.output
    assert snapshot(program.root) == reference_run


def test_two_ingests_at_once_lose_nothing(program: Program, many_files: Path, reference_run: dict[str, object]) -> None:
    prepare(program)
    first, second = ingest_process(program.root, many_files), ingest_process(program.root, many_files)
    for process in (first, second):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr.decode()
    result = snapshot(program.root)
    assert sorted(result["submissions"]) == sorted(reference_run["submissions"])  # type: ignore[arg-type]
    assert len({row[2] for row in result["submissions"]}) == 16  # type: ignore[union-attr]


def parsed_state(root: Path) -> dict[str, object]:
    """What deriving the stored files produced: findings and smelter-row matches per file."""
    from conflict_minerals.program.schema import findings, smelter_rows

    workspace = open_workspace(root)
    try:
        with workspace.read() as connection:
            found = connection.execute(
                select(submissions.c.file_name, findings.c.code, findings.c.cell, findings.c.waived)
                .join(submissions, submissions.c.id == findings.c.submission_id)
                .order_by(submissions.c.file_name, findings.c.code, findings.c.cell)
            ).all()
            rows = connection.execute(
                select(submissions.c.file_name, smelter_rows.c.row, smelter_rows.c.facility_key)
                .join(submissions, submissions.c.id == smelter_rows.c.submission_id)
                .order_by(submissions.c.file_name, smelter_rows.c.row)
            ).all()
        return {"findings": [tuple(r) for r in found], "rows": [tuple(r) for r in rows]}
    finally:
        workspace.close()


def command(root: Path, *args: str) -> subprocess.Popen[bytes]:
    full = [sys.executable, "-m", "conflict_minerals", "--workspace", str(root), *args]
    return subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def count_events(root: Path, kind: str) -> int:
    from conflict_minerals.program.schema import events

    workspace = open_workspace(root)
    try:
        with workspace.read() as connection:
            query = select(func.count()).select_from(events).where(events.c.kind == kind)
            return int(connection.execute(query).scalar_one())
    finally:
        workspace.close()


def test_killed_reprocess_then_rerun_equals_a_clean_run(program: Program, many_files: Path) -> None:
    prepare(program)
    program("ingest", many_files)
    before = parsed_state(program.root)
    process = command(program.root, "reprocess")
    deadline = time.time() + 120
    while count_events(program.root, "submission.reprocessed") < 2 and time.time() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert parsed_state(program.root) == before  # each file is re-derived in one transaction
    program("reprocess")
    assert parsed_state(program.root) == before


def test_killed_report_leaves_a_whole_folder_and_a_rerun_completes(
    program: Program, many_files: Path, tmp_path: Path
) -> None:
    prepare(program)
    program("ingest", many_files)
    out = tmp_path / "reports"
    program("report", "--draft", "--period", "2025", "--out", out)
    first = sorted(p.name for p in out.iterdir())
    process = command(program.root, "report", "--draft", "--period", "2025", "--out", str(out))
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert sorted(p.name for p in out.iterdir()) == first  # the old run whole, or the new run whole
    program("report", "--draft", "--period", "2025", "--out", out)
    assert sorted(p.name for p in out.iterdir()) == first
    assert not list(tmp_path.glob(".reports.*.staging"))


def test_ingest_while_a_report_runs_and_a_decision_is_taken(
    program: Program, many_files: Path, reference_run: dict[str, object], tmp_path: Path
) -> None:
    prepare(program)
    program("ingest", *sorted(many_files.glob("*-v1.xlsx")))
    reporting = command(program.root, "report", "--draft", "--period", "2025", "--out", str(tmp_path / "r"))
    ingesting = ingest_process(program.root, many_files)
    program("escalate", SUPPLIERS[0], "--reason", "late answers")
    for process in (reporting, ingesting):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr.decode()
    assert sorted(snapshot(program.root)["submissions"]) == sorted(reference_run["submissions"])  # type: ignore[arg-type]
    assert count_events(program.root, "decision.escalated") == 1
