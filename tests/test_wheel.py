"""The wheel works when installed for real: every data file ships and the console script runs the program.

Builds the wheel from a copy of the repository (no network: `--no-build-isolation` with the
setuptools of the venv running the tests), installs it non-editable into a fresh virtual
environment whose dependencies come from the test venv's site-packages through a `.pth` line,
and runs `conflict-minerals` from outside the repository: init, suppliers add, campaign start,
ingest of a CMRT the installed package writes itself, report and export-cmrt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "conflict_minerals"
MIN_SETUPTOOLS = (77, 0)  # SPDX `license` and `license-files` in pyproject.toml
PERIOD = 2025

GENERATE_CMRT = """
import json, sys
from pathlib import Path
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.demo_data import demo_suppliers
from conflict_minerals.reference.snapshot import bundled_snapshot

reference = bundled_snapshot().entries
supplier = next(s for s in demo_suppliers(reference) if s.files)
name, data = supplier.files[0]
target = Path(sys.argv[1]) / name
write_cmrt(target, data, reference)
print(json.dumps({"name": supplier.name, "unique_id": supplier.unique_id, "contact": supplier.contact,
                  "email": supplier.email, "file": str(target)}))
"""


@dataclass(frozen=True)
class Installed:
    """The built wheel, the source copy it was built from, and the fresh venv it is installed in."""

    wheel: Path
    source: Path
    venv: Path
    python: Path
    script: Path
    env: dict[str, str]


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


def _setuptools_version() -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in metadata.version("setuptools").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _clean_env(home: Path) -> dict[str, str]:
    """The environment without anything pointing back at the repository or at a user's workspace."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "CONFLICT_MINERALS_", "VIRTUAL_ENV"))
    }
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    version = _setuptools_version()
    if version is None or version < MIN_SETUPTOOLS:
        pytest.skip(
            f"setuptools>={'.'.join(map(str, MIN_SETUPTOOLS))} is needed in {sys.prefix} to build the wheel "
            f"offline (found {version}); run pip install -e '.[dev]'"
        )
    base = tmp_path_factory.mktemp("wheel")
    home = base / "home"
    home.mkdir()
    env = _clean_env(home)

    # Build from a copy so the repository gets no build/ or egg-info from the test.
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    dist = base / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source],
        cwd=base,
        env=env,
    )
    (wheel,) = dist.glob("conflict_minerals-*.whl")

    venv = base / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base, env=env)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    # Install before the dependencies become visible, so pip sees no other conflict-minerals to replace.
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
        cwd=base,
        env=env,
    )
    purelib = Path(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env).stdout.strip()
    )
    # A directory line in a .pth only extends sys.path; the .pth files in that directory (the
    # editable install's among them) are not processed, so the repository's src stays invisible.
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_test_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")
    script = bin_dir / ("conflict-minerals.exe" if os.name == "nt" else "conflict-minerals")
    return Installed(wheel, source, venv, python, script, env)


def test_wheel_ships_every_file_of_the_package(installed: Installed) -> None:
    src = installed.source / "src"
    expected = {
        path.relative_to(src).as_posix()
        for path in (src / PACKAGE).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(installed.wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
        metadata_text = archive.read(f"{dist_info}/METADATA").decode()
        license_text = archive.read(f"{dist_info}/licenses/LICENSE").decode()
    assert sorted(expected - names) == []
    for data_file in (
        f"{PACKAGE}/py.typed",
        f"{PACKAGE}/report/templates/rcoi.txt.j2",
        f"{PACKAGE}/reference/data/smelter-reference.csv",
        f"{PACKAGE}/reference/data/smelter-reference.meta.json",
        f"{PACKAGE}/program/migrations/script.py.mako",
        f"{PACKAGE}/program/settings.md",
        f"{PACKAGE}/program/migrations/versions/0001_initial.py",
    ):
        assert data_file in names
    assert "License-Expression: Apache-2.0" in metadata_text.splitlines()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text


def test_installed_console_script_runs_the_program(installed: Installed, tmp_path: Path) -> None:
    env = installed.env
    where = _run([installed.python, "-c", "import conflict_minerals; print(conflict_minerals.__file__)"], tmp_path, env)
    module_file = Path(where.stdout.strip()).resolve()
    assert module_file.is_relative_to(installed.venv.resolve()), module_file
    assert not module_file.is_relative_to(ROOT)

    cli = installed.script
    version = installed.wheel.name.split("-")[1]
    assert version in _run([cli, "--version"], tmp_path, env).stdout

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    supplier = json.loads(_run([installed.python, "-c", GENERATE_CMRT, inbox], tmp_path, env).stdout)
    cmrt = Path(supplier["file"])
    assert cmrt.is_file()

    _run([cli, "init", "workspace", "--company", "Wheel Test Inc."], tmp_path, env)
    workspace = tmp_path / "workspace"
    assert workspace.is_dir()
    # Commands find the workspace from the working directory, as a user would run them.
    _run(
        [
            cli,
            "suppliers",
            "add",
            supplier["name"],
            "--unique-id",
            supplier["unique_id"],
            "--authority",
            "DUNS",
            "--contact",
            supplier["contact"],
            "--email",
            supplier["email"],
        ],
        workspace,
        env,
    )
    _run([cli, "campaign", "start", str(PERIOD), "--due", f"{PERIOD + 1}-03-31"], workspace, env)
    ingested = _run([cli, "ingest", cmrt], workspace, env)
    assert "1 added" in ingested.stdout, ingested.stdout

    reports = tmp_path / "reports"
    refused = subprocess.run(
        [str(cli), "report", "--period", str(PERIOD), "--out", str(reports)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )  # an empty [company] section: the pre-filing check refuses a final filing, naming what is missing
    assert refused.returncode == 1 and "not ready to file" in refused.stderr and "Traceback" not in refused.stderr
    assert "[CONFIRM: Commission file number (company.sec_file_number)]" in refused.stderr and not reports.exists()
    drafted = _run([cli, "report", "--period", str(PERIOD), "--out", reports, "--draft"], workspace, env)
    assert "written as a DRAFT" in drafted.stdout
    assert "DRAFT - NOT FOR FILING" in (reports / "form-sd.md").read_text(encoding="utf-8")
    assert isinstance(json.loads((reports / "report.json").read_text(encoding="utf-8")), dict)
    assert len(list(reports.glob("*.htm"))) >= 2, sorted(p.name for p in reports.iterdir())

    company_cmrt = tmp_path / "company-cmrt.xlsx"
    _run([cli, "export-cmrt", "--period", str(PERIOD), "--out", company_cmrt], workspace, env)
    assert company_cmrt.is_file() and zipfile.is_zipfile(company_cmrt)
