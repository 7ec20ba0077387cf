"""`conflict-minerals inspect`: the readable summary, --json and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflict_minerals.cli import cli
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import FULL_DECLARATION, declaration


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.xlsx"
    write_cmrt(path, FULL_DECLARATION, bundled_snapshot().entries)
    return path


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    company = dict(FULL_DECLARATION["company"], contact_email="none")
    path = tmp_path / "flawed.xlsx"
    write_cmrt(path, declaration(company=company), bundled_snapshot().entries)
    return path


def test_summary_names_company_smelters_and_findings(flawed: Path) -> None:
    result = CliRunner().invoke(cli, ["inspect", str(flawed)])

    assert result.exit_code == 1
    assert "CMRT 6.5 (English)" in result.output
    assert "Acme Components Ltd." in result.output
    assert "5 rows, 3 with Smelter ID, 1 not listed, 1 not yet identified" in result.output
    assert "CMRT-C-005  Declaration!D16" in result.output


def test_json_for_one_file_is_an_object(good: Path) -> None:
    result = CliRunner().invoke(cli, ["inspect", "--json", str(good)])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["company"]["name"] == "Acme Components Ltd."
    assert set(data) == {
        "file",
        "sha256",
        "template",
        "company",
        "questions",
        "question_comments",
        "company_questions",
        "company_question_comments",
        "smelters",
        "products",
        "findings",
    }
    assert [row["smelter_id"] for row in data["smelters"]] == ["CID000015", "CID001182", None, None, "CID000460"]


def test_json_for_several_files_is_an_array_in_input_order(good: Path, flawed: Path) -> None:
    result = CliRunner().invoke(cli, ["inspect", "--json", str(flawed), str(good)])

    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [Path(item["file"]).name for item in data] == ["flawed.xlsx", "good.xlsx"]


def test_unreadable_file_exits_2_with_one_line_and_no_traceback(good: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    command = [sys.executable, "-m", "conflict_minerals", "inspect", str(broken), str(good)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {broken}: the workbook is damaged or truncated; ask the supplier to send it again."
    ]
    assert "Traceback" not in result.stdout + result.stderr
    assert "Acme Components Ltd." in result.stdout
