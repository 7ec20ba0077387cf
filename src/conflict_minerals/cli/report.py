"""CLI commands of the report stage: `report` (the main job), `report explain`, `export-cmrt`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from conflict_minerals.cli.common import DefaultGroup, echo_json, fail, workspace
from conflict_minerals.report.build import build_report
from conflict_minerals.report.texts import long_date
from conflict_minerals.report.write import write_report

DATE = click.DateTime(formats=["%Y-%m-%d"])


class ReportGroup(DefaultGroup):
    """`report --period ...` generates; `report explain ...` explains."""

    default_command = "generate"


@click.group(cls=ReportGroup)
def report() -> None:
    """Generate the Form SD and Conflict Minerals Report (`report --period YEAR --out DIR`), or explain a figure."""


@report.command("generate", hidden=True)
@click.option("--period", type=int, required=True, help="Reporting year (calendar year).")
@click.option("--as-of", "as_of", type=DATE, help="Status date (default: the newest imported status list).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--compare", type=int, help="Compare with this earlier period (default: the year before).")
def generate(period: int, as_of: dt.datetime | None, out: Path | None, compare: int | None) -> None:
    """Write Form SD and CMR as EDGAR HTML, DOCX and Markdown, plus report.json and working papers."""
    with workspace() as ws:
        model = build_report(ws, period, as_of.date() if as_of else None, compare=compare)
        folder = out or ws.root / "reports" / str(period)
        written = write_report(model, folder)
    f = model.figures
    click.echo(
        f"Report {period}, statuses as of {long_date(model.as_of)}: {f['suppliers.responded']} of "
        f"{f['suppliers.surveyed']} suppliers responded; {f['facilities.total']} facilities "
        f"({f['facilities.conformant']} conformant, {f['facilities.active']} active)."
    )
    if model.comparison:
        c = model.comparison
        click.echo(
            f"Compared with {c.previous}: {len(c.facilities_added)} facilities added, "
            f"{len(c.facilities_removed)} removed, {len(c.status_changes)} status changes."
        )
    for path in written.files:
        click.echo(f"  {path}")
    click.echo(f"Reports written to {written.folder}")


@report.command("explain")
@click.argument("figure")
@click.option("--period", type=int, required=True)
@click.option("--as-of", "as_of", type=DATE)
@click.option("--json", "as_json", is_flag=True)
def explain(figure: str, period: int, as_of: dt.datetime | None, as_json: bool) -> None:
    """List the facilities, supplier files and rows behind a figure, e.g. `facilities.conformant`."""
    with workspace() as ws:
        model = build_report(ws, period, as_of.date() if as_of else None)
    if figure not in model.figures:
        known = ", ".join(sorted(model.figures)[:12])
        fail(f"no figure '{figure}'; figures are named like {known}, ...")
    records = model.evidence.get(figure, [])
    if as_json:
        echo_json({"figure": figure, "value": model.figures[figure], "evidence": [r.as_json() for r in records]})
        return
    click.echo(f"{figure} = {model.figures[figure]} (as of {model.as_of.isoformat()})")
    for record in records:
        where = f"{record.file} row {record.row}" if record.row else (record.file or "")
        facility = f"{record.smelter_id or '(no ID)'} {record.facility}  " if record.facility else ""
        click.echo(f"  {facility}{record.supplier}  {where}".rstrip())
