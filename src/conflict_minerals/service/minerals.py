"""The extended-minerals summary as the CLI (and later the web app) asks for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.minerals import NOT_ON_LIST, MineralsReport, StatusOf, as_markdown, minerals_report
from conflict_minerals.service.templates import atomic_output
from conflict_minerals.smelters.mineral_status import MineralStatusBook


def extended_summary(
    workspace: Workspace, year: int | None = None, as_of: dt.date | None = None, status_of: StatusOf | None = None
) -> MineralsReport:
    """The summary of a campaign's EMRT, CRT and AMRT answers, facility status as of a date (default today)."""
    day = as_of or dt.date.today()
    if status_of is None:
        snapshots = workspace.reference.mineral_status_snapshots()
        book = MineralStatusBook.build(snapshots, day)
        listed = {entry.mineral.casefold() for s in snapshots for entry in s.entries if entry.mineral}

        def status_of(mineral: str, smelter_id: str, _as_of: dt.date) -> str | None:
            if mineral.casefold() not in listed:
                return None
            found = book.status(mineral, smelter_id)
            return found.label or NOT_ON_LIST

    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        return minerals_report(connection, campaign, day, status_of)


def write_summary(report: MineralsReport, out: Path) -> None:
    """Write the summary as Markdown, atomically (a reader never sees half a file)."""
    with atomic_output(out) as staging:
        staging.write_text(as_markdown(report), encoding="utf-8")
