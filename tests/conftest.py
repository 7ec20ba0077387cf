"""Shared fixtures: real blank RMI templates from ../shared, filled by the test that uses them."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conflict_minerals.cmrt.template_filler import fill_template

pytest_plugins = ["tests.workspace_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT.parent / "shared" / "rmi-templates"
CMRT_VERSIONS = ("6.01", "6.1", "6.22", "6.31", "6.4", "6.5")


def template_path(name: str) -> Path:
    """Return the path of a blank RMI template, skipping the test when ../shared is absent."""
    path = TEMPLATES / name
    if not path.exists():
        pytest.skip(f"RMI template {name} not found in {TEMPLATES} (../shared must sit beside the repo)")
    return path


def cmrt_template(version: str) -> Path:
    """Return the blank CMRT template of a revision."""
    return template_path(f"RMI_CMRT_{version}.xlsx")


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where filled workbooks are kept for the whole run (patching a template takes ~0.2 s)."""
    return tmp_path_factory.mktemp("filled")


BuildCmrt = Callable[..., Path]


@pytest.fixture
def build_cmrt(build_cache: Path, tmp_path: Path) -> BuildCmrt:
    """Fill a real blank CMRT of `version` with `data`; returns a private copy of the file."""

    def build(version: str, data: dict[str, Any], name: str = "supplier.xlsx") -> Path:
        key = hashlib.sha256(f"{version}{json.dumps(data, sort_keys=True, default=str)}".encode()).hexdigest()[:16]
        cached = build_cache / f"{key}.xlsx"
        if not cached.exists():
            fill_template(cmrt_template(version), cached, data)
        target = tmp_path / name
        shutil.copyfile(cached, target)
        return target

    return build


ALL_METALS = ("tantalum", "tin", "gold", "tungsten")

FULL_DECLARATION: dict[str, Any] = {
    "language": "English",
    "company": {
        "name": "Acme Components Ltd.",
        "declaration_scope": "A",
        "unique_id": "123456789",
        "unique_id_authority": "DUNS",
        "address": "1 Industrial Way, Springfield, USA",
        "contact_name": "Jordan Lee",
        "contact_email": "jordan.lee@acme.example",
        "contact_phone": "+1 555 0100",
        "authorizer_name": "Pat Morgan",
        "authorizer_title": "VP Quality",
        "authorizer_email": "pat.morgan@acme.example",
        "authorizer_phone": "+1 555 0101",
        "effective_date": dt.date(2025, 3, 14),
    },
    "questions": {
        "tantalum": {
            "Q1": "Yes",
            "Q2": "Yes",
            "Q3": "No",
            "Q4": "No",
            "Q5": "No",
            "Q6": "100%",
            "Q7": "Yes",
            "Q8": "Yes",
        },
        "tin": {
            "Q1": "Yes",
            "Q2": "Yes",
            "Q3": "Unknown",
            "Q4": "Unknown",
            "Q5": "No",
            "Q6": "Greater than 75%",
            "Q7": "No",
            "Q8": "Yes",
        },
        "gold": {
            "Q1": "Yes",
            "Q2": "No",
            "Q3": None,
            "Q4": None,
            "Q5": None,
            "Q6": None,
            "Q7": None,
            "Q8": None,
        },
        "tungsten": {"Q1": "No", "Q2": None, "Q3": None, "Q4": None, "Q5": None, "Q6": None, "Q7": None, "Q8": None},
    },
    "question_comments": {"tin": {"Q3": "Two smelters still under review"}},
    "company_questions": {
        "A": "Yes",
        "B": "Yes",
        "C": "Yes",
        "D": "Yes",
        "E": "Yes, in conformance with IPC1755 (e.g., CMRT)",
        "F": "Yes",
        "G": "No",
        "H": "Yes, with the SEC",
    },
    "company_question_comments": {"B": "https://acme.example/responsible-minerals"},
    "smelters": [
        {"smelter_id": "CID000015"},
        {"metal": "Tin", "lookup_name": "Minsur"},
        {
            "metal": "Tantalum",
            "lookup_name": "Smelter not listed",
            "name": "Nowhere Tantalum Works",
            "country": "BRAZIL",
        },
        {"metal": "Tin", "not_yet_identified": True},
        {
            "metal": "Tantalum",
            "lookup_name": "F&X Electro-Materials Ltd.",
            "contact_name": "Li Wei",
            "contact_email": "li.wei@fx.example",
            "next_steps": "Request RMAP status",
            "mine_name": "recycled",
            "mine_country": "recycled",
            "recycled_scrap": "Yes",
            "comments": "Direct supplier of capacitor powder",
        },
    ],
    "products": [],
}


def declaration(**changes: Any) -> dict[str, Any]:
    """Return a deep copy of FULL_DECLARATION with top-level keys replaced."""
    data = copy.deepcopy(FULL_DECLARATION)
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own reference store; nothing is written to the user's data folder."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CONFLICT_MINERALS_DATA_DIR", str(folder))
    return folder
