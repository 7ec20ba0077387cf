"""The dashboard counts with grouped queries and lists only the first few suppliers of each open item."""

from __future__ import annotations

import datetime as dt

import pytest

from conflict_minerals.program.workspace import open_workspace
from conflict_minerals.service import dashboard as board
from tests.workspace_fixtures import Program


def test_open_items_are_counted_in_full_and_listed_in_part(program: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("Alpha Metals", "Beta Metals", "Gamma Metals"):
        program("suppliers", "add", name)
    program("campaign", "start", "2025", "--templates", "CMRT,EMRT", "--due", "2026-03-31", "--no-letters")
    program("escalate", "Beta Metals", "--reason", "no answer")
    monkeypatch.setattr(board, "SHOWN", 2)
    workspace = open_workspace(program.root)
    try:
        found = board.dashboard(workspace, 2025, today=dt.date(2026, 6, 1))
    finally:
        workspace.close()
    # a decision to escalate counts with the reminder schedule's escalations, as in the report's figure
    assert found.totals == {"open_errors": 0, "escalations": 1, "overdue": 6}  # 3 suppliers x 2 templates
    assert [item.supplier for item in found.escalations] == ["Beta Metals"]
    assert len(found.overdue) == 2 and all(item.what == "due 2026-03-31" for item in found.overdue)
    assert found.status["by_template"]["EMRT"] == {
        "surveyed": 3,
        "responded": 0,
        "response_rate": 0.0,
        "outstanding": 3,
        "by_state": {"requested": 3},
    }
    assert found.status["totals"] == found.status["by_template"]["CMRT"]


def test_the_suppliers_list_is_read_a_page_at_a_time(program: Program, monkeypatch: pytest.MonkeyPatch) -> None:
    from conflict_minerals.service import suppliers as listing

    for name in ("Alpha Metals", "Beta_Metals", "Gamma Metals"):
        program("suppliers", "add", name)
    program("campaign", "start", "2025", "--no-letters")
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    workspace = open_workspace(program.root)
    try:
        _, first, total = listing.supplier_rows(workspace, 2025, listing.SupplierQuery())
        _, second, _ = listing.supplier_rows(workspace, 2025, listing.SupplierQuery(page=2))
        _, backwards, _ = listing.supplier_rows(workspace, 2025, listing.SupplierQuery(descending=True))
        _, literal, found = listing.supplier_rows(workspace, 2025, listing.SupplierQuery(search="a_m"))
    finally:
        workspace.close()
    assert total == 3 and [r.supplier for r in first] == ["Alpha Metals", "Beta_Metals"]
    assert [r.supplier for r in second] == ["Gamma Metals"]
    assert [r.supplier for r in backwards] == ["Gamma Metals", "Beta_Metals"]
    assert found == 1 and [r.supplier for r in literal] == ["Beta_Metals"]  # '_' is a character, not a wildcard


def test_after_a_change_a_slow_consolidation_is_worked_out_in_the_background(
    program: Program, build_cmrt, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from conflict_minerals.service import consolidated
    from conflict_minerals.service.smelters import smelter_list
    from tests.conftest import declaration

    program("suppliers", "add", "Acme Components Ltd.")
    program("suppliers", "add", "Beta Metals")
    program("campaign", "start", "2025", "--no-letters")
    workspace = open_workspace(program.root)
    try:
        before = board.dashboard(workspace, 2025)
        program("ingest", build_cmrt("6.5", declaration()), "--supplier", "Acme Components Ltd.", ok=False)
        quick = board.dashboard(workspace, 2025)  # a small program is consolidated again while the page waits
        monkeypatch.setattr(consolidated, "QUICK", 0.0)  # as if it took seconds, as at 10,000 suppliers
        program("not-applicable", "Beta Metals", "--reason", "no 3TG")
        meanwhile = board.dashboard(workspace, 2025)
        listed = smelter_list(workspace, 2025)  # the Smelters page never takes an older consolidation
        consolidated.wait_for_refresh()
        after = board.dashboard(workspace, 2025)
        assert consolidated.kept_gather(workspace, 2025) is consolidated.kept_gather(workspace, 2025)
    finally:
        workspace.close()
    assert before.facilities_current and sum(sum(by.values()) for by in before.facilities.values()) == 0
    assert quick.facilities_current and sum(sum(by.values()) for by in quick.facilities.values()) == listed.total > 0
    assert not meanwhile.facilities_current and meanwhile.facilities == quick.facilities
    assert meanwhile.status != quick.status  # the request counts are read fresh
    assert after.facilities_current and sum(sum(by.values()) for by in after.facilities.values()) == listed.total


def test_the_dashboard_is_kept_until_anyone_else_writes(program: Program) -> None:
    program("suppliers", "add", "Alpha Metals")
    program("campaign", "start", "2025", "--no-letters")
    workspace = open_workspace(program.root)
    try:
        first = board.dashboard(workspace, 2025)
        counter = workspace.change_count()
        with workspace.transaction(bookkeeping=True):
            pass  # a sign-in failure or a rehash: nothing shown changes
        with pytest.raises(RuntimeError), workspace.transaction():
            raise RuntimeError("rolled back")
        assert workspace.change_count() == counter
        assert board.dashboard(workspace, 2025) is first  # kept: nothing changed
        program("not-applicable", "Alpha Metals", "--reason", "supplies no 3TG")  # another engine, as a worker
        assert workspace.change_count() == counter + 1
        second = board.dashboard(workspace, 2025)
    finally:
        workspace.close()
    assert first.status["by_template"]["CMRT"]["by_state"] == {"requested": 1}
    assert second.status["by_template"]["CMRT"]["by_state"] == {"not_applicable": 1}


def test_statistics_are_refreshed_for_the_planner(program: Program) -> None:
    program("suppliers", "add", "Alpha Metals")
    program("campaign", "start", "2025", "--no-letters")
    workspace = open_workspace(program.root)
    asked = (
        "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'requests' AND last_analyze IS NOT NULL"
        if workspace.shared_database
        else "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'requests'"  # the table ANALYZE writes
    )
    try:
        workspace.refresh_statistics()
        with workspace.read() as connection:
            found = connection.exec_driver_sql(asked).scalar()
    finally:
        workspace.close()
    assert found and found >= 1


def test_a_starting_server_consolidates_before_the_first_page(program: Program) -> None:
    from starlette.testclient import TestClient

    from conflict_minerals.service import consolidated
    from conflict_minerals.service.kept import workspace_key
    from conflict_minerals.web.app import create_app

    program("suppliers", "add", "Alpha Metals")
    program("campaign", "start", "2025", "--no-letters")
    app = create_app(program.root, warm=True)
    with TestClient(app):
        consolidated.wait_for_refresh()
        workspace = app.state.workspace
        mine = workspace_key(workspace)
        assert any(key[0] == mine for key in consolidated._CONSOLIDATIONS.kept)  # before any page asked
        found, current = consolidated.recent_gather(workspace, 2025)
        assert current and consolidated.is_kept(found)
        assert consolidated.kept_gather(workspace, 2025) is found
