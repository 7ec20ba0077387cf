"""Parse once, one store: the schema equals the migrations, later commands never re-read a workbook,
report runs are stored and explained from the database, trusted templates only, old workspaces upgrade."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from conflict_minerals.program.schema import metadata
from conflict_minerals.program.workspace import MIGRATIONS, SCHEMA_HEAD, make_engine, migrate
from tests.conftest import FULL_DECLARATION, cmrt_template
from tests.workspace_fixtures import Program

SUPPLIER = "Acme Components Ltd."


def test_schema_equals_the_migrations(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []


def test_schema_head_is_the_newest_migration() -> None:
    names = sorted(p.stem for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert names[-1] == SCHEMA_HEAD


def _campaign(program: Program, build_cmrt, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    program("suppliers", "add", SUPPLIER, "--unique-id", "123456789")
    program("campaign", "start", "2025")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(build_cmrt("6.5", FULL_DECLARATION), inbox / "acme.xlsx")
    program("ingest", inbox)
    return inbox


def test_report_explain_and_export_never_read_a_workbook(
    program: Program, build_cmrt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    _campaign(program, build_cmrt, tmp_path)
    before = json.loads(program("review", "--json", ok=False).output)

    def forbidden(*_: object, **__: object) -> None:
        raise AssertionError("a stored workbook was read again")

    monkeypatch.setattr("conflict_minerals.cmrt.reader.read_cmrt", forbidden)
    monkeypatch.setattr("conflict_minerals.cmrt.read_cmrt", forbidden)
    out = tmp_path / "out"
    report = program("report", "--draft", "--period", "2025", "--out", out)
    assert "run 1" in report.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["evidence"]["report_run"] == 1 and data["facilities"]["total"] >= 1
    explained = json.loads(
        program("report", "explain", "facilities.total", "--period", "2025", "--rows", "--json").output
    )
    assert explained["run"] == 1 and explained["value"] == data["facilities"]["total"]
    assert {e["supplier"] for e in explained["evidence"]} == {SUPPLIER}
    assert all(e["file"] == "acme.xlsx" and e["row"] >= 5 for e in explained["evidence"])
    assert len(explained["evidence"]) == data["evidence"]["records"]["facilities.total"]
    program("export-cmrt", "--period", "2025", "--out", tmp_path / "own.xlsx")
    assert json.loads(program("review", "--json", ok=False).output) == before
    program("waive", SUPPLIER, "REV-011", "--reason", "a recycler we know")
    stale = program("report", "explain", "facilities.total", "--period", "2025")
    assert "the data changed since report run 1" in stale.stderr  # a waiver changes what a report would say
    csv_out = tmp_path / "evidence.csv"
    program("report", "evidence", "--period", "2025", "--out", csv_out)
    assert csv_out.read_text(encoding="utf-8").startswith("figure,supplier,file,row,smelter_id,facility")


def test_a_second_workspace_on_the_same_database_sees_the_same_program(
    program: Program, build_cmrt, tmp_path: Path, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    if not database_url:
        pytest.skip("sharing a workspace needs a database server (PostgreSQL)")
    _campaign(program, build_cmrt, tmp_path)
    listed = tmp_path / "active.csv"
    listed.write_text("Smelter ID\nCID001182\n", encoding="utf-8")
    program("refdata", "import-status", listed, "--list", "active", "--as-of", "2026-01-15")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(program.root / "conflict-minerals.toml", other / "conflict-minerals.toml")
    second = Program(other)
    assert json.loads(second("status", "--json").output) == json.loads(program("status", "--json").output)
    assert "2026-01-15  active" in second("refdata", "list").output
    second("report", "--draft", "--period", "2025", "--out", tmp_path / "second")
    second("reprocess")


def test_export_uses_only_a_trusted_blank_template(program: Program, build_cmrt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _campaign(program, build_cmrt, tmp_path)
    filled = program("refdata", "import-template", tmp_path / "inbox" / "acme.xlsx", ok=False)
    assert filled.exit_code == 2 and "filled in" in filled.stderr
    imported = program("refdata", "import-template", cmrt_template("6.4"))
    assert "CMRT 6.4 blank template (imported as trusted)" in imported.output
    program("refdata", "import-template", cmrt_template("6.5"))
    result = program("export-cmrt", "--period", "2025", "--out", tmp_path / "own.xlsx")
    assert "RMI CMRT 6.5 template" in result.output  # the newest by real version order, never a supplier's file
    events = [e["kind"] for e in json.loads(program("log", "--json").output)]
    assert events.count("reference.template_imported") == 2


def test_old_schema_is_refused_until_migrate(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    root = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    engine = create_engine(f"sqlite:///{root / 'workspace.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0002_unique_versions'")
    engine.dispose()
    refused = CliRunner().invoke(cli, ["--workspace", str(root), "status"])
    assert refused.exit_code == 2 and "run `conflict-minerals migrate`" in refused.stderr


def _previous_version_workspace(tmp_path: Path) -> Path:
    """A 0002 workspace as the previous version left it: originals on disk, reference data as files."""
    import datetime as dt
    import hashlib

    from conflict_minerals.cmrt.writer import write_cmrt
    from conflict_minerals.program.settings import Settings, render_settings
    from conflict_minerals.reference.snapshot import bundled_snapshot
    from conflict_minerals.reference.status import read_status_list
    from conflict_minerals.reference.store import ReferenceStore

    root = tmp_path / "old"
    (root / "files").mkdir(parents=True)
    (root / "conflict-minerals.toml").write_text(render_settings(Settings()), encoding="utf-8")
    engine = make_engine(f"sqlite:///{root / 'workspace.db'}")
    migrate(engine, "0002_unique_versions")
    original = tmp_path / "acme.xlsx"
    write_cmrt(original, FULL_DECLARATION, bundled_snapshot().entries)
    data = original.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    stored = f"files/{sha[:2]}/{sha}.xlsx"
    (root / stored).parent.mkdir()
    (root / stored).write_bytes(data)
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO suppliers (id, name, unique_id, tier, active, created_at) VALUES (1, ?, '123456789', 1, 1, ?)",
            (SUPPLIER, now),
        )
        connection.exec_driver_sql(
            "INSERT INTO campaigns (id, year, due_date, require_product_level, created_at) VALUES (1, 2025, ?, 0, ?)",
            (dt.date(2026, 3, 31), now),
        )
        connection.exec_driver_sql(
            "INSERT INTO files (sha256, size, stored_path, first_name, stored_at) VALUES (?, ?, ?, 'acme.xlsx', ?)",
            (sha, len(data), stored, now),
        )
        connection.exec_driver_sql(
            "INSERT INTO submissions (id, campaign_id, supplier_id, file_sha256, file_name, received_at, readable,"
            " template_version, declared_company, version, parsed_json) VALUES (1, 1, 1, ?, 'acme.xlsx', ?, 1,"
            " '6.5', ?, 1, '{}')",
            (sha, now, SUPPLIER),
        )
        connection.exec_driver_sql(
            "INSERT INTO requests (campaign_id, supplier_id, state, requested_at, reminders_sent,"
            " current_submission_id) VALUES (1, 1, 'under_review', ?, 0, 1)",
            (now,),
        )
    engine.dispose()
    listed = tmp_path / "active.csv"
    listed.write_text("Smelter ID\nCID001182\n", encoding="utf-8")
    ReferenceStore(root / "reference").add_status(read_status_list(listed, "active", dt.date(2026, 1, 15)))

    return root


def test_a_workspace_of_the_previous_version_upgrades_in_place(tmp_path: Path) -> None:
    """A 0002 workspace (workbooks only as originals, reference data as files) migrates and reports."""
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    root = _previous_version_workspace(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(cli, ["--workspace", str(root), "status"])
    assert refused.exit_code == 2 and "migrate" in refused.stderr
    upgraded = runner.invoke(cli, ["--workspace", str(root), "migrate"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "from 0002_unique_versions to 0010_changes" in upgraded.output
    assert "1 stored CMRT(s) parsed" in upgraded.output and "1 reference file(s) moved" in upgraded.output
    out = tmp_path / "out"
    report = runner.invoke(cli, ["--workspace", str(root), "report", "--draft", "--period", "2025", "--out", str(out)])
    assert report.exit_code == 0, report.output
    data_json = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data_json["facilities"]["total"] >= 1 and data_json["status_lists"][0]["as_of"] == "2026-01-15"
    again = runner.invoke(cli, ["--workspace", str(root), "migrate"])
    assert "up to date" in again.output


def test_an_upgrade_that_cannot_read_an_original_says_so(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    root = _previous_version_workspace(tmp_path)
    for original in (root / "files").rglob("*.xlsx"):
        original.unlink()
    upgraded = CliRunner().invoke(cli, ["--workspace", str(root), "migrate"])
    assert upgraded.exit_code == 2 and "could not be parsed" in upgraded.stderr
    report = CliRunner().invoke(
        cli, ["--workspace", str(root), "report", "--draft", "--period", "2025", "--out", str(tmp_path / "o")]
    )
    assert report.exit_code == 0 and "has no parsed rows and is left out" in report.stderr


def test_report_never_replaces_a_folder_it_did_not_make(program: Program, build_cmrt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _campaign(program, build_cmrt, tmp_path)
    mine = tmp_path / "documents"
    (mine / "contracts").mkdir(parents=True)
    (mine / "contracts" / "signed.pdf").write_bytes(b"%PDF precious")
    refused = program("report", "--draft", "--period", "2025", "--out", mine, ok=False)
    assert refused.exit_code == 2 and "already holds other files" in refused.stderr
    assert (mine / "contracts" / "signed.pdf").read_bytes() == b"%PDF precious"
    ours = tmp_path / "reports"
    program("report", "--draft", "--period", "2025", "--out", ours)
    (ours / "notes").mkdir()
    (ours / "notes" / "counsel.txt").write_text("keep me", encoding="utf-8")
    program(
        "report", "--draft", "--period", "2025", "--out", ours
    )  # our own folder: replaced whole, extras carried over
    assert (ours / "notes" / "counsel.txt").read_text(encoding="utf-8") == "keep me"


def test_a_report_after_new_reference_data_says_to_recheck(program: Program, build_cmrt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conflict_minerals.program.workspace import open_workspace
    from conflict_minerals.reference.smelter_reference import ReferenceRevision
    from conflict_minerals.reference.snapshot import bundled_snapshot

    _campaign(program, build_cmrt, tmp_path)
    workspace = open_workspace(program.root)
    newer = ReferenceRevision("CMRT 6.6", bundled_snapshot().list_date, bundled_snapshot().entries)
    assert workspace.reference.add_revision(newer, "RMI_CMRT_6.6.xlsx", "operator")
    workspace.close()
    warned = program("report", "--draft", "--period", "2025", "--out", tmp_path / "r")
    assert "matched against an older smelter reference" in warned.stderr
    program("review", "--recheck", ok=False)
    assert (
        "older smelter reference"
        not in program("report", "--draft", "--period", "2025", "--out", tmp_path / "r").stderr
    )


def test_migration_0010_keys_names_and_marks_earlier_escalations(tmp_path: Path) -> None:
    """Accounts differing only in case keep their own key; a reviewer's CMRT escalation marks its request."""
    import datetime as dt

    engine = make_engine(f"sqlite:///{tmp_path / 'workspace.db'}")
    migrate(engine, "0009_facility_rows_index")
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    user = (
        "INSERT INTO users (name, role, password_hash, active, created_at, created_by) "
        "VALUES (?, 'viewer', 'x', 1, ?, 't')"
    )
    event = (
        "INSERT INTO events (at, actor, kind, campaign_year, supplier_id, detail) "
        "VALUES (?, 't', 'decision.escalated', 2025, ?, ?)"
    )
    with engine.begin() as connection:
        for name in ("Rita", "rita", "ÉMILE"):
            connection.exec_driver_sql(user, (name, at))
        connection.exec_driver_sql(
            "INSERT INTO campaigns (id, year, due_date, require_product_level, created_at, templates) "
            "VALUES (1, 2025, ?, 0, ?, 'CMRT,EMRT')",
            (dt.date(2026, 3, 31), at),
        )
        for supplier in (1, 2):
            connection.exec_driver_sql(
                "INSERT INTO suppliers (id, name, tier, active, created_at) VALUES (?, ?, 1, 1, ?)",
                (supplier, f"Supplier {supplier}", at),
            )
            for template in ("CMRT", "EMRT"):
                connection.exec_driver_sql(
                    "INSERT INTO requests (campaign_id, supplier_id, template_type, state, requested_at, "
                    "reminders_sent) VALUES (1, ?, ?, 'requested', ?, 0)",
                    (supplier, template, at),
                )
        connection.exec_driver_sql(event, (at, 1, '{"template": "CMRT"}'))
        connection.exec_driver_sql(event, (at, 2, '{"template": "EMRT"}'))  # not the CMRT's escalation
    migrate(engine)
    with engine.connect() as connection:
        keys = dict(connection.exec_driver_sql("SELECT name, name_key FROM users").all())
        marked = connection.exec_driver_sql(
            "SELECT supplier_id, template_type FROM requests WHERE escalated_at IS NOT NULL"
        ).all()
    engine.dispose()
    assert keys["Rita"] == "rita" and keys["rita"].startswith("rita#") and keys["ÉMILE"] == "émile"
    assert [tuple(row) for row in marked] == [(1, "CMRT")]
