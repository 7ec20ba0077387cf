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


@click.command("export-cmrt")
@click.option("--period", type=int, required=True, help="Reporting year whose suppliers' CMRTs are rolled up.")
@click.option("--as-of", "as_of", type=DATE, help="Status date (default: the newest imported status list).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="RMI CMRT template to fill.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Also print the derived answers and their rules as JSON.")
def export_cmrt(period: int, as_of: dt.datetime | None, template: Path | None, out: Path | None, as_json: bool) -> None:
    """Write the company's own company-level CMRT for its customers."""
    from conflict_minerals.cmrt.patcher import is_rmi_workbook
    from conflict_minerals.report.build import gather
    from conflict_minerals.report.company_cmrt import company_declaration, derive_answers, write_company_cmrt

    with workspace() as ws:
        gathered = gather(ws, period, as_of.date() if as_of else None)
        if template is None:
            received = sorted(
                (c for c in gathered.cmrts if is_rmi_workbook(c.stored)),
                key=lambda c: [int(p) for p in c.document.template.version.split(".")],
            )
            template = received[-1].stored if received else None
        derived = derive_answers(gathered, ws.settings.company)
        data = company_declaration(ws.settings.company, derived, gathered.run.consolidation.facilities, dt.date.today())
        target = out or ws.root / "reports" / str(period) / f"cmrt-{period}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            used = write_company_cmrt(data, target, template)
        except (ValueError, OSError) as exc:
            fail(str(exc))
    if "our own" in used:
        click.echo(f"warning: written in {used}", err=True)
    click.echo(f"Company CMRT {period} written to {target} ({len(data['smelters'])} smelter rows; {used}).")
    for answer in derived:
        label = f"{answer.question} {answer.metal}" if answer.metal else answer.question
        click.echo(f"  {label:<14} {answer.answer:<48} {answer.rule}")
    if as_json:
        echo_json([{"question": a.question, "metal": a.metal, "answer": a.answer, "rule": a.rule} for a in derived])
