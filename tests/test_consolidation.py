"""One consolidated facility list across suppliers, with status, risk location and attribution."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conflict_minerals.cli import cli
from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.reference.snapshot import bundled_snapshot
from conflict_minerals.reference.status import read_status_list
from conflict_minerals.reference.store import ReferenceStore
from conflict_minerals.smelters.service import run_consolidation
from tests.conftest import BuildCmrt, declaration

BY_ID = [{"smelter_id": "CID000015"}, {"smelter_id": "CID001182"}, {"smelter_id": "CID000460"}]
BY_LOOKUP_NAME = [
    {"metal": "Gold", "lookup_name": "Advanced Chemical Company"},
    {"metal": "Tin", "lookup_name": "Minsur"},
    {"metal": "Tantalum", "lookup_name": "F&X Electro-Materials Ltd."},
]
NOT_LISTED = "Smelter not listed"
BY_NEAR_MISS = [
    {
        "metal": "Gold",
        "lookup_name": NOT_LISTED,
        "name": "Advanced Chemcial Co.",
        "country": "UNITED STATES OF AMERICA",
    },
    {"metal": "Tin", "lookup_name": NOT_LISTED, "name": "MINSUR S.A.", "country": "PERU"},
    {"metal": "Tantalum", "lookup_name": NOT_LISTED, "name": "F & X Electro Materials Limited", "country": "CHINA"},
    {"metal": "Gold", "lookup_name": NOT_LISTED, "name": "Kigali Gold Refinery", "country": "RWANDA"},
    {"metal": "Tin", "not_yet_identified": True},
    {"metal": "Gold", "lookup_name": NOT_LISTED, "name": "Shenzhen Gold Trading Co., Ltd.", "country": "CHINA"},
]


def supplier(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    company = dict(declaration()["company"], name=name)
    path = tmp_path / f"{name.split()[0].lower()}.xlsx"
    write_cmrt(path, declaration(company=company, smelters=rows), bundled_snapshot().entries)
    return path


@pytest.fixture
def files(tmp_path: Path, build_cmrt: BuildCmrt) -> list[Path]:
    company = dict(declaration()["company"], name="Alpha Assembly")
    real = build_cmrt("6.4", declaration(company=company, smelters=BY_ID), "alpha.xlsx")
    return [real, supplier(tmp_path, "Beta Boards", BY_LOOKUP_NAME), supplier(tmp_path, "Gamma Cables", BY_NEAR_MISS)]


@pytest.fixture
def lists(tmp_path: Path) -> tuple[Path, Path]:
    conformant = tmp_path / "conformant.csv"
    conformant.write_text("Smelter ID,Metal,Smelter Name\nCID000015,Gold,x\nCID000460,Tantalum,y\n", encoding="utf-8")
    active = tmp_path / "active.csv"
    active.write_text("Facility ID,Metal\nCID001182,Tin\n", encoding="utf-8")
    return conformant, active


def test_ids_lookup_names_and_near_misses_give_the_same_facilities(files: list[Path], tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path / "store")
    found = []
    for path in files:
        run = run_consolidation([read_cmrt(path)], store, dt.date(2026, 1, 31))
        found.append(sorted(f.smelter_id for f in run.consolidation.facilities if f.smelter_id))
    assert found == [["CID000015", "CID000460", "CID001182"]] * 3


def test_smelters_json(files: list[Path], lists: tuple[Path, Path]) -> None:
    conformant, active = lists
    args = ["smelters", *map(str, files), "--conformant-list", str(conformant), "--active-list", str(active)]
    result = CliRunner().invoke(cli, [*args, "--as-of", "2026-01-31", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)

    assert data["as_of"] == "2026-01-31"
    assert data["counts"] == {
        "total": 3,  # the Kigali name is no facility until a reviewer decides what it is
        "by_metal": {"Tantalum": 1, "Tin": 1, "Gold": 1, "Tungsten": 0},
        "by_status": {"conformant": 2, "active": 1, "not_conformant": 0, "not_listed": 0},
    }
    facilities = {f["smelter_id"] or f["name"]: f for f in data["facilities"]}
    gold = facilities["CID000015"]
    assert gold["suppliers"] == ["Alpha Assembly", "Beta Boards", "Gamma Cables"]
    assert [(Path(s["file"]).name, s["row"]) for s in gold["sources"]] == [
        ("alpha.xlsx", 5),
        ("beta.xlsx", 5),
        ("gamma.xlsx", 5),
    ]
    assert (gold["status"], gold["status_label"], gold["covered_country"]) == ("conformant", "Conformant", False)
    assert sorted(gold["match_methods"]) == ["exact", "probable"]
    assert facilities["CID001182"]["status"] == "active"
    assert "Kigali Gold Refinery" not in facilities
    assert [(u["name"], u["row"]) for u in data["unmatched"]] == [("Kigali Gold Refinery", 8)]
    assert sorted(r["reason"].split(",")[0] for r in data["rejected"]) == [
        "'Smelter not yet identified' placeholder",
        "reads like a trading or sales company",
    ]
    assert set(data["facilities"][0]) >= {
        "smelter_id",
        "metal",
        "name",
        "country",
        "status",
        "status_label",
        "suppliers",
        "sources",
        "covered_country",
        "cahra",
    }


def test_cahra_list_marks_facilities(files: list[Path], tmp_path: Path) -> None:
    cahra = tmp_path / "cahra.csv"
    cahra.write_text("Country,Area\nRwanda,whole country\nPeru,Department of Puno\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["refdata", "import-cahra", str(cahra)]).exit_code == 0
    data = json.loads(runner.invoke(cli, ["smelters", *map(str, files), "--json"]).output)

    assert sorted(f["name"] for f in data["facilities"] if f["cahra"]) == [
        "Minsur"
    ]  # an unverified name is no facility


def test_csv_output(files: list[Path]) -> None:
    result = CliRunner().invoke(cli, ["smelters", *map(str, files), "--csv"])
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("smelter_id,metal,name,country,status")
    assert len(lines) == 4  # header and three facilities


def test_supplier_lookups_never_become_reference(files: list[Path]) -> None:
    CliRunner().invoke(cli, ["smelters", *map(str, files), "--json"])
    store = ReferenceStore()
    labels = [r.label for r in store.revisions()]
    # every public revision is bundled; nothing read from a supplier's file was kept
    assert labels == ["CMRT 6.01", "CMRT 6.1", "CMRT 6.22", "CMRT 6.31", "CMRT 6.4", "CMRT 6.5"]
    assert not list((store.root / "lookups").glob("*"))


def test_unreadable_file_is_reported_and_the_rest_consolidated(files: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"")
    result = CliRunner().invoke(cli, ["smelters", str(broken), *map(str, files), "--json"])
    assert result.exit_code == 2
    assert "empty" in result.stderr
    assert json.loads(result.stdout)["counts"]["total"] == 3


def test_match_csv_in_input_order(tmp_path: Path) -> None:
    given = tmp_path / "in.csv"
    given.write_text("metal,name,country\nTin,minsr,Peru\nGold,N/A,\nGold,ADVANCED CHEMICAL CO,USA\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["smelters", "match", "--csv", str(given), "--json"])
    data = json.loads(result.output)

    assert [(r["smelter_id"], r["method"]) for r in data] == [
        ("CID001182", "probable"),
        (None, "rejected"),
        ("CID000015", "alias"),
    ]
    assert data[0]["standard_name"] == "Minsur" and data[0]["country"] == "PERU" and 0 < data[0]["confidence"] < 1


def test_match_one_name() -> None:
    result = CliRunner().invoke(cli, ["smelters", "match", "--metal", "Gold", "--json", "Aurubis"])
    data = json.loads(result.output)
    assert (data["smelter_id"], data["method"], data["confidence"]) == ("CID000113", "alias", 0.97)


def test_refdata_import_and_status_import(tmp_path: Path) -> None:
    from tests.conftest import cmrt_template

    runner = CliRunner()
    imported = runner.invoke(cli, ["refdata", "import", str(cmrt_template("6.01"))])
    # every public revision ships with the package, so RMI's own 6.01 is already known
    assert "CMRT 6.01, list as of 2020-03-03" in imported.output and "(already known)" in imported.output
    listed = tmp_path / "active.csv"
    listed.write_text("Smelter ID\nCID001182\n", encoding="utf-8")
    status = runner.invoke(cli, ["refdata", "import-status", str(listed), "--list", "active", "--as-of", "2026-01-15"])
    assert "1 facilities as of 2026-01-15 (1 active)" in status.output
    shown = runner.invoke(cli, ["refdata", "list"]).output
    assert "CMRT 6.01" in shown and "2026-01-15  active" in shown
    assert read_status_list(listed, "active").entries[0].smelter_id == "CID001182"


def test_refdata_rejects_a_non_list(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.csv"
    bogus.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["refdata", "import-status", str(bogus)])
    assert result.exit_code == 2
    assert "no header row with a Smelter ID" in result.stderr
