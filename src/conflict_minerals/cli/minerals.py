"""CLI command of the extended minerals: `minerals`, the summary of a campaign's EMRT, CRT and AMRT answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from conflict_minerals.cli.common import echo_json, workspace
from conflict_minerals.neutral import terminal_text

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command()
@click.option("--campaign", "year", type=int, help="Campaign year (default: the latest open one).")
@click.option("--as-of", type=DATE, help="Date of the facility status (default: today).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the summary as Markdown.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON only.")
def minerals(year: int | None, as_of: dt.datetime | None, out: Path | None, as_json: bool) -> None:
    """The extended-minerals summary: per mineral, suppliers answered, facilities by status, countries, mines."""
    from conflict_minerals.report.minerals import as_markdown
    from conflict_minerals.service.minerals import extended_summary, write_summary

    with workspace() as ws:
        report = extended_summary(ws, year, as_of.date() if as_of else None)
    if out is not None:
        write_summary(report, out)
    if as_json:
        echo_json(report.as_json())
        return
    for line in as_markdown(report).rstrip().splitlines():
        click.echo(terminal_text(line))
    if out is not None:
        click.echo(f"Written to {out}")
