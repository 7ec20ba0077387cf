"""Workspaces on SQLite always, and on PostgreSQL whenever one is reachable (each test its own schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conflict_minerals.cli import cli

POSTGRES_URL = os.environ.get("CONFLICT_MINERALS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_admin() -> Any:
    try:
        import psycopg

        return psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True)
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({type(exc).__name__})")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database: '' (the workspace's own SQLite file) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield ""
        return
    admin = _postgres_admin()
    schema = f"cm_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


class Program:
    """Runs `conflict-minerals` commands against one workspace, in process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: object, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, ["--workspace", str(self.root), *map(str, args)], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def program(tmp_path: Path, database_url: str) -> Program:
    """A fresh workspace with a company and a database."""
    root = tmp_path / "program"
    args = ["init", str(root), "--company", "Acme Devices Inc."]
    if database_url:
        args += ["--db", database_url]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    settings = root / "conflict-minerals.toml"
    text = settings.read_text(encoding="utf-8").replace(
        'contact_email = ""', 'contact_email = "compliance@acme.example"'
    )
    settings.write_text(text, encoding="utf-8")
    return Program(root)
