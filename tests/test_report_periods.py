"""Year over year, rejected CMRTs, and the company CMRT opening in LibreOffice."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import cmrt_template, declaration
from tests.workspace_fixtures import Program

ALL_YES = {"Q1": "Yes", "Q2": "Yes", "Q3": "No", "Q4": "No", "Q5": "No", "Q6": "100%", "Q7": "Yes", "Q8": "Yes"}


def cmrt(folder: Path, name: str, supplier: str, ids: list[str], effective: dt.date) -> Path:
    company = dict(declaration()["company"], name=supplier, unique_id=None, effective_date=effective)
    questions = {metal: dict(ALL_YES) for metal in ("tantalum", "tin", "gold", "tungsten")}
    path = folder / name
    write_cmrt(
        path,
        declaration(company=company, questions=questions, smelters=[{"smelter_id": i} for i in ids]),
        bundled_snapshot().entries,
    )
    return path


def lists(folder: Path, as_of: str, rows: dict[str, str]) -> Path:
    path = folder / f"status-{as_of}.csv"
    path.write_text("Smelter ID,Status\n" + "".join(f"{k},{v}\n" for k, v in rows.items()), encoding="utf-8")
    return path


@pytest.fixture
def two_years(program: Program, tmp_path: Path) -> Program:
    """2024: Alpha names Advanced Chemical and Minsur. 2025: Alpha swaps Minsur for F&X; Beta joins."""
    program("suppliers", "add", "Alpha Boards")
    program("campaign", "start", "2024")
    program(
        "ingest", cmrt(tmp_path, "alpha-2024.xlsx", "Alpha Boards", ["CID000015", "CID001182"], dt.date(2025, 2, 1))
    )
    program("suppliers", "add", "Beta Cables")
    program("campaign", "start", "2025")
    program(
        "ingest",
        cmrt(tmp_path, "alpha-2025.xlsx", "Alpha Boards", ["CID000015", "CID000460"], dt.date(2026, 2, 1)),
        "--campaign",
        "2025",
    )
    program(
        "ingest",
        cmrt(tmp_path, "beta-2025.xlsx", "Beta Cables", ["CID000113"], dt.date(2026, 2, 1)),
        "--campaign",
        "2025",
    )
    program("refdata", "import-status", lists(tmp_path, "2025-04-30", {"CID000015": "Active"}), "--as-of", "2025-04-30")
    program(
        "refdata",
        "import-status",
        lists(tmp_path, "2026-04-30", {"CID000015": "Conformant", "CID000113": "Conformant"}),
        "--as-of",
        "2026-04-30",
    )
    return program


def report(program: Program, out: Path, *extra: object) -> dict[str, Any]:
    program("report", "--draft", "--period", "2025", "--as-of", "2026-04-30", "--out", out, *extra)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_year_over_year(two_years: Program, tmp_path: Path) -> None:
    nothing = two_years("report", "--draft", "--period", "2025", "--out", tmp_path / "first", "--compare", "2024")
    assert "nothing to compare with: 2024 has no stored report run" in nothing.stderr
    two_years("report", "--draft", "--period", "2024", "--as-of", "2025-04-30", "--out", tmp_path / "2024")
    result = report(two_years, tmp_path / "out", "--compare", "2024")
    comparison = result["comparison"]
    assert comparison["previous_period"] == 2024 and comparison["baseline"].startswith("report run ")
    assert comparison["suppliers_added"] == ["Beta Cables"] and comparison["suppliers_dropped"] == []
    assert comparison["facilities_added"] == ["Aurubis AG (CID000113)", "F&X Electro-Materials Ltd. (CID000460)"]
    assert comparison["facilities_removed"] == ["Minsur (CID001182)"]
    assert comparison["status_changes"] == [
        {"facility": "Advanced Chemical Company (CID000015)", "before": "active", "after": "conformant"}
    ]
    papers = (tmp_path / "out" / "working-papers.md").read_text(encoding="utf-8")
    assert "Year over year: 2025 compared with 2024" in papers and "Facilities removed: Minsur (CID001182)." in papers


def test_rejected_cmrt_is_left_out(two_years: Program, tmp_path: Path) -> None:
    before = report(two_years, tmp_path / "before")
    two_years("reject", "Beta Cables", "--reason", "CMRT for another customer's products", "--campaign", "2025")
    after = report(two_years, tmp_path / "after")
    assert before["facilities"]["total"] == 3 and after["facilities"]["total"] == 2
    assert "CID000113" not in {row["smelter_id"] for row in after["annex"]}
    assert after["suppliers"]["responded"] == 2  # a rejected response was still a response


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_company_cmrt_opens_and_recalculates_in_libreoffice(two_years: Program, tmp_path: Path) -> None:
    out = tmp_path / "company.xlsx"
    two_years(
        "export-cmrt", "--period", "2025", "--as-of", "2026-04-30", "--template", cmrt_template("6.4"), "--out", out
    )
    converted = tmp_path / "converted"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(converted),
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    import openpyxl

    sheet = openpyxl.load_workbook(converted / "company.xlsx", data_only=True, read_only=True)["Smelter List"]
    rows = [r for r in sheet.iter_rows(min_row=5, max_row=8, max_col=6, values_only=True)]
    assert sorted((r[0], r[1], r[5]) for r in rows[:3]) == [
        ("CID000015", "Gold", "CID000015"),
        ("CID000113", "Gold", "CID000113"),
        ("CID000460", "Tantalum", "CID000460"),
    ]
    assert rows[3][1] in (None, "")  # the template's stray 6.4 row is gone
    assert sorted(r.smelter_id for r in read_cmrt(converted / "company.xlsx").smelters) == [
        "CID000015",
        "CID000113",
        "CID000460",
    ]


def test_due_diligence_settings_reach_the_report(two_years: Program, tmp_path: Path) -> None:
    settings = two_years.root / "conflict-minerals.toml"
    text = settings.read_text(encoding="utf-8").replace(
        'grievance_mechanism = ""', 'grievance_mechanism = "Anyone can write to ethics@alpha.example in confidence."'
    )
    settings.write_text(text, encoding="utf-8")
    report(two_years, tmp_path / "out")
    cmr = (tmp_path / "out" / "conflict-minerals-report.md").read_text(encoding="utf-8")
    assert "Anyone can write to ethics@alpha.example in confidence." in cmr
    assert "general contact channels" not in cmr


def test_a_workspace_template_cannot_run_code(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    root = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root), "--company", "Acme Devices Inc."]).exit_code == 0
    assert runner.invoke(cli, ["--workspace", str(root), "campaign", "start", "2025"]).exit_code == 0
    (root / "templates").mkdir()
    marker = tmp_path / "pwned"
    attack = (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}{{ cycler.__init__.__globals__.os.system('touch "
        + str(marker)
        + "') }}"
    )
    (root / "templates" / "conclusion.txt.j2").write_text(attack, encoding="utf-8")
    result = runner.invoke(
        cli, ["--workspace", str(root), "report", "--draft", "--period", "2025", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2 and "conclusion.txt.j2" in result.stderr and "Traceback" not in result.output
    assert not marker.exists()
    forged = '{{ model.set("facilities.conformant", 999) }} {{ f.update({"facilities.total": 999}) }}'
    (root / "templates" / "conclusion.txt.j2").write_text(forged, encoding="utf-8")
    result = runner.invoke(
        cli, ["--workspace", str(root), "report", "--draft", "--period", "2025", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2 and "may not do" in result.stderr  # a template reads figures, never sets them
