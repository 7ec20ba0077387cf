"""CLI commands of the report stage: `report`, `report explain`, `report evidence`, `export-cmrt`, `export-emrt`."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from conflict_minerals.cli.common import (
    EXIT_FINDINGS,
    DefaultGroup,
    echo_json,
    fail,
    fail_with,
    print_findings,
    workspace,
)

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
@click.option("--signature-date", "signature_date", type=DATE, help="Date printed under the Form SD signature.")
@click.option("--draft", is_flag=True, help="Write even when the pre-filing check finds errors; every page says DRAFT.")
def generate(
    period: int,
    as_of: dt.datetime | None,
    out: Path | None,
    compare: int | None,
    signature_date: dt.datetime | None,
    draft: bool,
) -> None:
    """Write Form SD and CMR as EDGAR HTML, DOCX and Markdown, plus report.json and working papers.

    The pre-filing check (`filings check`) runs first: a final filing with errors is refused.
    """
    from conflict_minerals.filings.check import finding_json
    from conflict_minerals.report.texts import long_date
    from conflict_minerals.service.reports import ReportCheckError, run_report

    with workspace() as ws:
        try:
            result = run_report(
                ws,
                period,
                ws.actor,
                as_of.date() if as_of else None,
                out,
                compare,
                signature_date=signature_date.date() if signature_date else None,
                draft=draft,
            )
        except ReportCheckError as exc:
            print_findings(exc.params["findings"], err=True)
            click.echo(
                f"error: {exc.message} Fix them, or write a draft with --draft.",
                err=True,
            )
            sys.exit(EXIT_FINDINGS)
    model, f = result.model, result.model.figures
    older = model.working_papers.get("older_reference", [])
    if older:
        click.echo(
            f"warning: {len(older)} CMRT(s) were matched against an older smelter reference than the one in use; "
            "run `conflict-minerals review --recheck` to match them again.",
            err=True,
        )
    for missing in model.working_papers.get("not_parsed", []):
        click.echo(
            f"warning: {missing['supplier']}'s current CMRT ({missing['file']}) has no parsed rows and is left out; "
            "run `conflict-minerals migrate` or `conflict-minerals reprocess`.",
            err=True,
        )
    click.echo(
        f"Report {period} (run {result.run_id}), statuses as of {long_date(model.as_of)}: {f['suppliers.responded']} "
        f"of {f['suppliers.surveyed']} suppliers responded; {f['facilities.total']} facilities "
        f"({f['facilities.conformant']} conformant, {f['facilities.active']} active)."
    )
    if model.comparison:
        c = model.comparison
        click.echo(
            f"Compared with {c.previous} ({c.source}): {len(c.facilities_added)} facilities added, "
            f"{len(c.facilities_removed)} removed, {len(c.status_changes)} status changes."
        )
    elif compare is not None:
        click.echo(
            f"warning: nothing to compare with: {compare} has no stored report run and no imported filing; "
            f"run `conflict-minerals report --period {compare}` or `conflict-minerals filings import FILE` first.",
            err=True,
        )
    errors = sum(1 for finding in result.findings if finding.severity.value == "error")
    click.echo(
        f"Pre-filing check: {errors} error(s), {len(result.findings) - errors} warning(s)"
        + (" - written as a DRAFT." if draft else ".")
    )
    print_findings([finding_json(finding) for finding in result.findings], err=False)
    for path in result.written.files:
        click.echo(f"  {path}")
    click.echo(f"Reports written to {result.written.folder}")


@report.command("explain")
@click.argument("figure")
@click.option("--period", type=int, required=True)
@click.option("--as-of", "as_of", type=DATE, help="Explain the run on this status date.")
@click.option("--run", "run_id", type=int, help="Explain this stored report run (default: the newest).")
@click.option("--rows", is_flag=True, help="List every supplier file and row behind a facility figure.")
@click.option("--json", "as_json", is_flag=True)
def explain(figure: str, period: int, as_of: dt.datetime | None, run_id: int | None, rows: bool, as_json: bool) -> None:
    """List the facilities (with --rows: every supplier file and row) behind a figure, e.g. facilities.conformant."""
    from conflict_minerals.service.reports import explain_figure

    with workspace() as ws:
        found = explain_figure(ws, period, figure, as_of.date() if as_of else None, run_id, rows, ws.actor)
    run = found.run
    if found.stale:
        click.echo(
            f"note: the data changed since report run {run.id}; run `conflict-minerals report --period {period}` "
            "to explain the current figures.",
            err=True,
        )
    if as_json:
        data: dict[str, object] = {"figure": figure, "value": found.value, "run": run.id}
        if found.facilities is not None:
            data["facilities"] = [f.as_json() for f in found.facilities]
        if found.records is not None:
            data["evidence"] = [r.as_json() for r in found.records]
        click.echo(json.dumps(data, ensure_ascii=False, indent=1 if len(found.records or ()) < 5000 else None))
        return
    click.echo(f"{figure} = {found.value} (as of {run.as_of.isoformat()}, report run {run.id})")
    if found.facilities is not None and found.records is None:
        for f in found.facilities:
            click.echo(
                f"  {f.smelter_id or '(no ID)':<10} {f.facility}  ({f.rows} row(s) from {f.suppliers} supplier(s))"
            )
        return
    for record in found.records or ():
        where = f"{record.file} row {record.row}" if record.row else (record.file or "")
        facility = f"{record.smelter_id or '(no ID)'} {record.facility}  " if record.facility else ""
        click.echo(f"  {facility}{record.supplier}  {where}".rstrip())


@report.command("evidence")
@click.option("--period", type=int, required=True)
@click.option("--run", "run_id", type=int, help="The stored report run (default: the newest).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="CSV file to write.")
def evidence(period: int, run_id: int | None, out: Path) -> None:
    """Export every figure's records (supplier, file, row, facility) of a report run as CSV."""
    from conflict_minerals.service.reports import evidence_csv

    with workspace() as ws:
        run, text = evidence_csv(ws, period, run_id)
    out.write_text(text, encoding="utf-8")
    click.echo(f"Evidence of report run {run.id} written to {out} ({text.count(chr(10)) - 1} records).")


@click.command("export-cmrt")
@click.option("--period", type=int, required=True, help="Reporting year whose suppliers' CMRTs are rolled up.")
@click.option("--as-of", "as_of", type=DATE, help="Status date (default: the newest imported status list).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="RMI CMRT template to fill.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the derived answers and their rules as JSON only.")
def export_cmrt(period: int, as_of: dt.datetime | None, template: Path | None, out: Path | None, as_json: bool) -> None:
    """Write the company's own company-level CMRT for its customers.

    The workbook filled is --template, else the newest blank RMI template imported with
    `refdata import-template`, else our own 6.5 layout; never a supplier's workbook.
    """
    from conflict_minerals.service.templates import export_company_cmrt

    with workspace() as ws:
        target = out or ws.root / "reports" / str(period) / f"cmrt-{period}.xlsx"
        try:
            result = export_company_cmrt(ws, period, target, as_of.date() if as_of else None, template)
        except (ValueError, OSError) as exc:
            fail(str(exc))
    if result.own_layout:
        click.echo(
            f"warning: written in {result.used}; import RMI's blank template with "
            "`conflict-minerals refdata import-template FILE` to use it.",
            err=True,
        )
    blank = [a.question for a in result.answers if not a.answer]
    if blank:
        click.echo(
            f"warning: company question(s) {', '.join(blank)} left blank: nobody confirmed them; "
            "set them in [due_diligence] of conflict-minerals.toml (the file names the documentation of each key).",
            err=True,
        )
    if as_json:
        echo_json(
            [{"question": a.question, "metal": a.metal, "answer": a.answer, "rule": a.rule} for a in result.answers]
        )
        return
    click.echo(f"Company CMRT {period} written to {result.path} ({result.smelter_rows} smelter rows; {result.used}).")
    for answer in result.answers:
        label = f"{answer.question} {answer.metal}" if answer.metal else answer.question
        click.echo(f"  {label:<14} {answer.answer or '(blank)':<48} {answer.rule}")


@click.command("export-emrt")
@click.option("--year", "--period", "year", type=int, help="Reporting year (default: the current year).")
@click.option("--type", "template_type", type=click.Choice(["EMRT", "CRT", "AMRT"]), default="EMRT", show_default=True)
@click.option("--mineral", "minerals", multiple=True, help="A mineral declared (repeat; default: the template's own).")
@click.option("--template", type=click.Path(dir_okay=False, path_type=Path), help="RMI's blank workbook to fill.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the derived answers and their rules as JSON only.")
def export_emrt(
    year: int | None,
    template_type: str,
    minerals: tuple[str, ...],
    template: Path | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Write the company's own EMRT (or --type CRT / AMRT) for its customers, into RMI's blank workbook.

    The workbook filled is --template, else the newest blank of the type imported with
    `refdata import-template`; there is no fallback layout.
    """
    from conflict_minerals.errors import ConflictMineralsError
    from conflict_minerals.service.templates import export_company_extended

    period = year or dt.date.today().year
    with workspace() as ws:
        target = out or ws.root / "reports" / str(period) / f"{template_type.lower()}-{period}.xlsx"
        try:
            result = export_company_extended(ws, template_type, period, target, minerals, None, template)
        except ConflictMineralsError as exc:
            fail_with(exc)
        except (ValueError, OSError) as exc:
            fail(str(exc))
    if as_json:
        echo_json(
            [{"question": a.question, "mineral": a.metal, "answer": a.answer, "rule": a.rule} for a in result.answers]
        )
        return
    click.echo(
        f"Company {template_type} {period} written to {result.path} ({', '.join(result.minerals)}; "
        f"{result.smelter_rows} smelter rows; {result.used})."
    )
    for answer in result.answers:
        label = f"{answer.question} {answer.metal}" if answer.metal else answer.question
        click.echo(f"  {label:<14} {answer.answer or '(blank)':<48} {answer.rule}")
