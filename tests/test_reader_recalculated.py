"""Files with real cached formula values, recalculated by LibreOffice as Excel would.

Skipped, with the reason, where LibreOffice (`soffice`) is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.cmrt.template_filler import fill_template
from conflict_minerals.inspection import document_to_json
from tests.conftest import FULL_DECLARATION, cmrt_template

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
VERSIONS = ("6.01", "6.22", "6.5")


def convert(sources: list[Path], target_format: str, out_dir: Path) -> None:
    assert SOFFICE is not None
    out_dir.mkdir(exist_ok=True)
    profile = out_dir.parent / "lo-profile"
    command = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--calc"]
    command += ["--convert-to", target_format, "--outdir", str(out_dir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Fill each revision with openpyxl (no caches), then let LibreOffice recalculate and save it."""
    folder = tmp_path_factory.mktemp("recalc")
    plain = {}
    for version in VERSIONS:
        plain[version] = folder / f"cmrt-{version}.xlsx"
        fill_template(cmrt_template(version), plain[version], FULL_DECLARATION, engine="openpyxl")
    convert(list(plain.values()), "xlsx", folder / "out")
    return {version: (plain[version], folder / "out" / plain[version].name) for version in VERSIONS}


def comparable(path: Path) -> dict[str, Any]:
    data = document_to_json(read_cmrt(path))
    for key in ("file", "sha256"):
        data.pop(key)
    for finding in data["findings"]:
        finding.pop("file")
    return data


@pytest.mark.parametrize("version", VERSIONS)
def test_cached_values_read_the_same_as_missing_ones(recalculated: dict[str, tuple[Path, Path]], version: str) -> None:
    without_cache, with_cache = recalculated[version]
    cached = openpyxl.load_workbook(with_cache, data_only=True, read_only=True)["Smelter List"]
    assert next(cached.iter_rows(min_row=5, max_row=5, min_col=2, max_col=3, values_only=True)) == (
        "Gold",
        "Advanced Chemical Company",
    )

    assert comparable(with_cache) == comparable(without_cache)


def test_legacy_xls_is_read(recalculated: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    convert([recalculated["6.5"][1]], "xls", tmp_path / "xls")
    doc = read_cmrt(tmp_path / "xls" / "cmrt-6.5.xls")

    assert doc.template.version == "6.5"
    assert doc.company.name == "Acme Components Ltd."
    assert [row.smelter_id for row in doc.smelters] == ["CID000015", "CID001182", None, None, "CID000460"]
