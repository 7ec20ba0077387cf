"""CLI commands for filings: `filings check` (pre-flight) and `filings import` (last year's filing as input)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections import Counter
from pathlib import Path

import click

from conflict_minerals.cli.common import (
    EXIT_FINDINGS,
    echo_json,
    fail,
    fail_with,
    in_workspace,
    print_findings,
    reference_store,
    workspace,
)
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.neutral import spreadsheet_text, terminal_text

DATE = click.DateTime(formats=["%Y-%m-%d"])
FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def filings() -> None:
    """Check a filing before it goes out, or import last year's filing as a baseline."""


@filings.command("check")
@click.argument("file", type=FILE, required=False)
@click.option("--period", type=int, help="Check our own report for this year (instead of a FILE).")
@click.option("--as-of", "as_of", type=DATE, help="Status date of our own report (default: the newest list).")
@click.option("--signature-date", "signature_date", type=DATE, help="Signature date of our own report.")
@click.option("--json", "as_json", is_flag=True, help='Print {"findings": [...]} only.')
def check(
    file: Path | None, period: int | None, as_of: dt.datetime | None, signature_date: dt.datetime | None, as_json: bool
) -> None:
    """Check a filing: figures against the annex, completeness, placeholders, status words, terms.

    Exit 0 when there is no error (warnings may remain), 1 when there are errors.
    """
    from conflict_minerals.filings.check import finding_json
    from conflict_minerals.service.filings import check_file, check_period

    if (file is None) == (period is None):
        fail("give a FILE to check, or --period YEAR to check our own report (one of the two).")
    if file is not None:
        try:
            findings = check_file(file)
        except ConflictMineralsError as exc:
            fail_with(exc)
        what = file.name
    else:
        assert period is not None
        with workspace() as ws:
            findings = check_period(
                ws, period, as_of.date() if as_of else None, signature_date.date() if signature_date else None
            )
        what = f"the {period} report"
    items = [finding_json(f) for f in findings]
    errors = sum(1 for item in items if item["severity"] == "error")
    if as_json:
        click.echo(json.dumps({"findings": items}, indent=2, ensure_ascii=False))
    else:
        click.echo(terminal_text(f"Pre-filing check of {what}: {errors} error(s), {len(items) - errors} warning(s)."))
        print_findings(items, err=False, limit=500)
    sys.exit(EXIT_FINDINGS if errors else 0)


@filings.command("import")
@click.argument("file", type=FILE)
@click.option(
    "--period", type=click.IntRange(2013, 2100), help="The reporting year (instead of the one the filing states)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the filing read as JSON only.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the annex as CSV only.")
@click.option("--no-store", is_flag=True, help="Inside a workspace, read and print without keeping it as a baseline.")
def import_(file: Path, period: int | None, as_json: bool, as_csv: bool, no_store: bool) -> None:
    """Read a filed Form SD / Conflict Minerals Report (EDGAR .htm or .txt, or a text export).

    Prints the registrant, period, stated figures and the annex matched to Smelter IDs; inside a
    workspace it is also kept as that year's baseline, so `report --compare` works in a first year.
    """
    from conflict_minerals.service.filings import import_filing

    if as_json and as_csv:
        fail("give --json or --csv, not both.")
    if in_workspace() and not no_store:
        with workspace() as ws:
            imported = import_filing(file, ws.reference, ws, ws.actor, period)
    else:
        try:
            imported = import_filing(file, reference_store(), period=period)
        except ConflictMineralsError as exc:
            fail_with(exc)
    data = imported.as_json()
    if as_json:
        echo_json(data)
        return
    if as_csv:
        click.echo(_annex_csv(data["annex"]), nl=False)
        return
    _summary(imported.source, data, imported.stored, imported.duplicate)


def _annex_csv(rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    columns = ["line", "metal", "name", "country", "status", "smelter_id", "match_method", "confidence"]
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:  # names come from someone else's document: neutral in a spreadsheet
        writer.writerow({k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()


def _summary(source: str, data: dict[str, object], stored: int | None, duplicate: bool) -> None:
    annex = data["annex"]
    assert isinstance(annex, list)
    methods = Counter(str(row["match_method"]) for row in annex)
    click.echo(terminal_text(f"{source}: {data['registrant'] or '(registrant not found)'}, period {data['period']}"))
    figures = data["figures"]
    assert isinstance(figures, dict)
    if figures:
        click.echo("Stated figures: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    click.echo(
        f"Annex: {len(annex)} rows; matched to a Smelter ID: "
        + ", ".join(f"{methods[m]} {m}" for m in ("exact", "alias", "probable") if methods[m])
        + f"; not matched: {methods['unmatched'] + methods['rejected']}"
    )
    unread = data["unread_lines"]
    assert isinstance(unread, list)
    for item in unread:
        click.echo(terminal_text(f"  not read, line {item['line']}: {item['text']}"))
    if stored is not None and duplicate:
        click.echo(f"Already kept as the {data['period']} baseline (filing {stored}); nothing new stored.")
    elif stored is not None:
        click.echo(f"Kept as the {data['period']} baseline (filing {stored}) for `report --compare`.")
