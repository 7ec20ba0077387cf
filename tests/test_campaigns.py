"""Campaigns you can correct: plausible years only, a list, close and reopen, the default the latest open one."""

from __future__ import annotations

import datetime as dt
import json

from tests.workspace_fixtures import Program


def test_a_year_that_cannot_be_a_reporting_year_is_refused(program: Program) -> None:
    for year in ("25", "2012", str(dt.date.today().year + 2)):
        refused = program("campaign", "start", year, ok=False)
        assert refused.exit_code == 2 and "is not a reporting year" in refused.stderr, year
        assert "Traceback" not in refused.output
    listed = json.loads(program("campaign", "list", "--json").stdout)
    assert listed == {"campaigns": []}  # nothing was created
    assert "No campaign yet" in program("campaign", "list").stdout


def test_list_close_reopen_and_the_default(program: Program) -> None:
    program("suppliers", "add", "Acme Components Ltd.")
    program("campaign", "start", "2024")
    program("campaign", "start", "2025")
    campaigns = json.loads(program("campaign", "list", "--json").stdout)["campaigns"]
    assert [(c["year"], c["state"], c["default"], c["suppliers"]) for c in campaigns] == [
        (2025, "open", True, 1),
        (2024, "open", False, 1),
    ]
    assert set(campaigns[0]) == {
        "year", "due_date", "state", "closed_at", "default", "suppliers", "responded", "response_rate"
    }  # fmt: skip

    program("campaign", "close", "2025")
    campaigns = json.loads(program("campaign", "list", "--json").stdout)["campaigns"]
    assert [(c["year"], c["state"], c["default"]) for c in campaigns] == [(2025, "closed", False), (2024, "open", True)]
    assert "2024" in program("status").stdout  # commands without --campaign now use the open one

    again = program("campaign", "close", "2025", ok=False)
    assert again.exit_code == 2 and "already closed" in again.stderr
    extended = program("campaign", "start", "2025", ok=False)
    assert extended.exit_code == 2 and "campaign reopen 2025" in extended.stderr
    program("campaign", "reopen", "2025")
    assert json.loads(program("campaign", "list", "--json").stdout)["campaigns"][0]["default"] is True
    events = [e["kind"] for e in json.loads(program("log", "--json").stdout)]
    assert "campaign.closed" in events and "campaign.reopened" in events
    missing = program("campaign", "close", "2019", ok=False)
    assert missing.exit_code == 2 and "no campaign for 2019" in missing.stderr


def test_report_help_shows_every_option_of_the_report() -> None:
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    shown = CliRunner().invoke(cli, ["report", "--help"]).output
    for option in ("--period", "--as-of", "--out", "--compare", "--signature-date", "--draft", "explain", "evidence"):
        assert option in shown, option
    options = CliRunner().invoke(cli, ["smelters", "--help"]).output.split("Options:")[1].split("Commands:")[0]
    assert "FILES..." not in options and "--status-list" in options


def test_workspace_before_or_after_the_command_and_from_the_environment(
    program: Program, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from conflict_minerals.cli import cli

    program("campaign", "start", "2025")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    after = runner.invoke(cli, ["campaign", "list", "--workspace", str(program.root)])
    equals = runner.invoke(cli, ["campaign", "list", f"--workspace={program.root}"])
    assert after.exit_code == 0 and equals.exit_code == 0 and "2025" in after.stdout and "2025" in equals.stdout
    monkeypatch.setenv("CONFLICT_MINERALS_WORKSPACE", str(program.root))
    assert "2025" in runner.invoke(cli, ["campaign", "list"]).stdout


def test_a_near_miss_supplier_name_gets_a_suggestion(program: Program) -> None:
    program("suppliers", "add", "Summit Magnetics Inc.")
    program("suppliers", "add", "Orion Cable Co.")
    program("campaign", "start", "2025")
    missed = program("accept", "summit", "--reason", "ok", ok=False)
    assert missed.exit_code == 2 and "did you mean 'Summit Magnetics Inc.'?" in missed.stderr
    assert "Orion" not in missed.stderr
    nothing = program("accept", "Zebra Plastics", "--reason", "ok", ok=False)
    assert "there is no supplier 'Zebra Plastics';" in nothing.stderr


def test_ingest_supplier_that_disagrees_with_the_file_says_so(program: Program, build_cmrt) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import FULL_DECLARATION, declaration

    program("suppliers", "add", "Acme Corp")
    program("suppliers", "add", "Orion Cable Co.")
    program("campaign", "start", "2025")
    orion = dict(FULL_DECLARATION["company"], name="Orion Cable Co.", unique_id=None)
    result = program("ingest", build_cmrt("6.5", declaration(company=orion), "orion.xlsx"), "--supplier", "Acme Corp")
    assert "although the CMRT names 'Orion Cable Co.': check that it is theirs" in result.output
    acme = dict(FULL_DECLARATION["company"], name="ACME CORP.", unique_id=None)
    agreed = program("ingest", build_cmrt("6.5", declaration(company=acme), "acme.xlsx"), "--supplier", "Acme Corp")
    assert "(linked by --supplier)" in agreed.output and "although" not in agreed.output
