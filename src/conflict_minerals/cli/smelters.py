"""CLI commands of the reference and smelters stages: `refdata ...` and `smelters ...`."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from conflict_minerals.cli.common import (
    EXIT_ERROR,
    RECORD_ID,
    DefaultGroup,
    fail,
    fail_with,
    in_workspace,
    reference,
    workspace,
)
from conflict_minerals.cmrt.batch import read_many
from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.cmrt.tables import read_table
from conflict_minerals.cmrt.values import normalize_smelter_id, parse_metal, parse_mineral
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import CmrtDocument
from conflict_minerals.neutral import terminal_text
from conflict_minerals.reference.smelter_reference import ReferenceRevision
from conflict_minerals.reference.status import StatusSnapshot, read_status_list, three_tg_lists
from conflict_minerals.smelters.export import consolidation_to_csv, consolidation_to_json, match_to_json
from conflict_minerals.smelters.matching import Matcher
from conflict_minerals.smelters.mineral_status import MineralStatusBook
from conflict_minerals.smelters.service import (
    path_kind,
    read_cahra_codes,
    run_consolidation,
    status_list_summary,
)
from conflict_minerals.smelters.status_book import StatusBook

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def refdata() -> None:
    """Reference data: RMI smelter look-up revisions, status lists and the CAHRA list."""


@refdata.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def refdata_import(files: tuple[Path, ...]) -> None:
    """Import the Smelter Look-up of RMI's blank CMRT, EMRT, CRT or AMRT (never a supplier's file); each is kept."""
    from conflict_minerals.service.templates import require_blank_rmi

    for path in files:
        try:
            sheet = read_lookup_sheet(path)
            require_blank_rmi(path, path.read_bytes(), sheet.template, links_allowed=sheet.template != "CMRT")
        except ConflictMineralsError as exc:
            fail_with(exc)
        except OSError as exc:
            fail(f"{path}: cannot read the file ({exc.strerror}).")
        label = f"{sheet.template} {sheet.version}"
        revision = ReferenceRevision(label, sheet.list_date, sheet.entries, sheet.minerals)
        with reference() as store:
            added = store.add_revision(revision, path.name)
        state = "imported" if added else "already known"
        listed = f", list as of {sheet.list_date.isoformat()}" if sheet.list_date else ""
        rows = len(sheet.entries) + len(sheet.minerals)
        click.echo(f"{path}: {label}{listed}: {rows} look-up rows, {_covers(revision)} ({state})")


refdata.add_command(refdata_import, "import-lookup")


def _covers(revision: ReferenceRevision) -> str:
    """'Cobalt 104, Mica 31 facilities': distinct Smelter IDs per mineral."""
    ids: dict[str, set[str]] = {}
    for mineral, sid in [(e.metal.value, e.smelter_id) for e in revision.entries] + [
        (e.mineral, e.smelter_id) for e in revision.minerals
    ]:
        ids.setdefault(mineral, set()).add(sid)
    return (", ".join(f"{m} {len(found)}" for m, found in ids.items()) or "no") + " facilities"


@refdata.command("import-template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def refdata_import_template(file: Path) -> None:
    """Keep RMI's blank CMRT workbook as trusted: the company's own CMRT is written into it."""
    from conflict_minerals.cli.common import workspace
    from conflict_minerals.service.templates import import_template

    with workspace() as ws:
        try:
            found, added = import_template(ws, file, ws.actor)
        except ConflictMineralsError as exc:
            fail_with(exc)
    state = "imported as trusted" if added else "already imported"
    click.echo(f"{file}: RMI {found.template_type} {found.version} blank template ({state}).")


@refdata.command("import-status")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--list", "list_kind", type=click.Choice(["conformant", "active"]), help="For lists without a status column."
)
@click.option("--as-of", "as_of", type=DATE, help="Date of the list (default: the date it states, else today).")
@click.option("--mineral", help="The mineral of rows that name none, e.g. Cobalt for RMI's cobalt refiners list.")
def refdata_import_status(file: Path, list_kind: str | None, as_of: dt.datetime | None, mineral: str | None) -> None:
    """Import an RMI facility status list (3TG, cobalt, mica, ...; CSV, XLSX or Excel 2003 XML) with its date."""
    if mineral is not None and parse_metal(mineral) is None and parse_mineral(mineral) is None:
        fail(f"'{terminal_text(mineral)}' is not a mineral name (e.g. Cobalt, Mica, Tin).")
    try:
        snapshot = read_status_list(file, list_kind or path_kind(file), as_of.date() if as_of else None, mineral)
    except ConflictMineralsError as exc:
        fail_with(exc)
    if snapshot.dated_by == "today":
        click.echo(
            f"warning: the list states no date and its name holds none; it is dated today ({snapshot.as_of}). "
            "If that is wrong, import it again with --as-of DATE.",
            err=True,
        )
    with reference() as store:
        store.add_status(snapshot)
    three_tg = StatusBook.build(three_tg_lists([snapshot]), snapshot.as_of).conflicts
    others = MineralStatusBook.build([snapshot], snapshot.as_of).conflicts()
    for smelter_id, kept, other in [*three_tg, *(conflict[1:] for conflict in others)]:
        click.echo(
            f"warning: {smelter_id} is listed as '{kept}' and as '{other}'; '{kept}' (the worse) is used.", err=True
        )
    counts: dict[str, int] = {}
    for entry in snapshot.entries:
        counts[entry.bucket.value] = counts.get(entry.bucket.value, 0) + 1
    summary = ", ".join(f"{n} {bucket}" for bucket, n in sorted(counts.items()))
    minerals = sorted({e.mineral for e in snapshot.entries if e.mineral})
    summary += f"; {', '.join(minerals)}" if minerals else ""
    dated = "" if snapshot.dated_by == "given" else f", the date from {snapshot.dated_by}"
    click.echo(f"{file}: {len(snapshot.entries)} facilities as of {snapshot.as_of.isoformat()}{dated} ({summary})")


@refdata.command("import-cahra")
@click.argument("file", type=click.Path(path_type=Path))
def refdata_import_cahra(file: Path) -> None:
    """Import the EU indicative CAHRA list (any CSV/XLSX with a country column); replaces the previous one."""
    try:
        _, rows = read_table(file)
    except ConflictMineralsError as exc:
        fail_with(exc)
    codes = read_cahra_codes(rows)
    if not codes:
        fail(f"{file}: no country names found; is this the CAHRA list?")
    with reference() as store:
        store.set_cahra(codes, file.name)
    click.echo(f"{file}: {len(set(codes))} countries with conflict-affected or high-risk areas")


@refdata.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the imported items as JSON only (in a workspace).")
def refdata_list(as_json: bool) -> None:
    """Show the reference revisions, status snapshots and CAHRA list in use, and the numbered imports."""
    if as_json:
        if not in_workspace():
            fail("--json lists a workspace's imports; run it inside a workspace (or give --workspace).")
        from conflict_minerals.service.program import imported_reference

        with workspace() as ws:
            items = imported_reference(ws)
        click.echo(json.dumps({"imported": [i.as_json() for i in items]}, indent=2, ensure_ascii=False))
        return
    with reference() as store:
        _list_reference(store)
    if in_workspace():
        from conflict_minerals.service.program import imported_reference

        with workspace() as ws:
            items = imported_reference(ws)
        click.echo("Imported (remove a wrong one with `conflict-minerals refdata remove KIND NUMBER --reason TEXT`):")
        for item in items:
            click.echo(f"  {item.kind:<8} {item.id:>4}  {item.description}")
        if not items:
            click.echo("  nothing yet")


@refdata.command("remove")
@click.argument("kind", type=click.Choice(["lookup", "status", "cahra", "template"]))
@click.argument("number", type=RECORD_ID)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def refdata_remove(kind: str, number: int, reason: str) -> None:
    """Remove a wrong import from the workspace (audited); reports already run keep what they used."""
    from conflict_minerals.service.program import remove_reference

    with workspace() as ws:
        removed = remove_reference(ws, ws.actor, kind, number, reason)
    click.echo(f"Removed {removed.kind} {removed.id}: {removed.description}.")


def _list_reference(store: Any) -> None:
    where = getattr(store, "root", None)
    click.echo(f"Reference data in {where}" if where else "Reference data in the workspace database")
    for revision in store.all_revisions():
        date = revision.list_date.isoformat() if revision.list_date else "date unknown"
        rows = len(revision.entries) + len(revision.minerals)
        click.echo(f"  look-up  {revision.label:<12} {date}  {rows} rows  ({', '.join(revision.mineral_names)})")
    for snapshot in [*store.status_snapshots(), *store.mineral_status_snapshots()]:
        minerals = sorted({e.mineral for e in snapshot.entries if e.mineral})
        click.echo(
            f"  status   {snapshot.as_of.isoformat()}  {snapshot.list_kind or 'full list':<10} "
            f"{len(snapshot.entries)} facilities  ({snapshot.source}){'  ' + ', '.join(minerals) if minerals else ''}"
        )
    cahra = store.cahra()
    click.echo(f"  CAHRA    {len(cahra)} countries" if cahra is not None else "  CAHRA    no list imported")


@click.group(cls=DefaultGroup)
def smelters() -> None:
    """Consolidate the smelters of supplier CMRTs (`smelters FILES...`), or match names (`smelters match`)."""


@smelters.command("consolidate", hidden=True)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--status-list", "status_lists", multiple=True, type=click.Path(path_type=Path), help="A status list file."
)
@click.option(
    "--conformant-list", multiple=True, type=click.Path(path_type=Path), help="A list of conformant facilities."
)
@click.option("--active-list", multiple=True, type=click.Path(path_type=Path), help="A list of active facilities.")
@click.option("--as-of", "as_of", type=DATE, help="Status date (default today); lists dated later are not used.")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV line per facility.")
def smelters_consolidate(
    files: tuple[Path, ...],
    status_lists: tuple[Path, ...],
    conformant_list: tuple[Path, ...],
    active_list: tuple[Path, ...],
    as_of: dt.datetime | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """One list of unique facilities across the given CMRTs, with status as of a date."""
    date = as_of.date() if as_of else dt.date.today()
    extra = _given_lists(status_lists, conformant_list, active_list, date)
    documents, unreadable = _read_documents(files)
    with reference() as store:
        run = run_consolidation(documents, store, date, extra)
    if as_json:
        click.echo(
            json.dumps(
                consolidation_to_json(run.consolidation, status_list_summary(run.status_book)),
                indent=2,
                ensure_ascii=False,
            )
        )
    elif as_csv:
        click.echo(consolidation_to_csv(run.consolidation), nl=False)
    else:
        _print_consolidation(run)
    sys.exit(EXIT_ERROR if unreadable else 0)


def _given_lists(
    status_lists: tuple[Path, ...], conformant: tuple[Path, ...], active: tuple[Path, ...], as_of: dt.date
) -> list[StatusSnapshot]:
    snapshots = []
    given = (
        [(p, path_kind(p)) for p in status_lists]
        + [(p, "conformant") for p in conformant]
        + [(p, "active") for p in active]
    )
    for path, kind in given:
        try:
            snapshots.append(read_status_list(path, kind, as_of))
        except ConflictMineralsError as exc:
            fail_with(exc)
    return snapshots


def _read_documents(files: tuple[Path, ...]) -> tuple[list[CmrtDocument], bool]:
    paths: list[Path] = []
    for path in files:
        paths += (
            sorted(p for p in path.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"))
            if path.is_dir()
            else [path]
        )
    documents: list[CmrtDocument] = []
    unreadable = False
    for result in read_many(paths):
        if isinstance(result.document, CmrtDocument):
            documents.append(result.document)
            continue
        unreadable = True
        if result.document is not None:  # an EMRT, CRT or AMRT: its minerals are not 3TG
            kind = result.document.template.type
            click.echo(f"error: {result.path}: this is an {kind}; smelter consolidation reads CMRTs.", err=True)
        else:
            click.echo(f"error: {result.error}", err=True)
    return documents, unreadable


def _print_consolidation(run: Any) -> None:
    result = run.consolidation
    counts = result.counts()
    click.echo(f"Facilities as of {result.as_of}: {counts['total']}")
    click.echo("  by metal:  " + ", ".join(f"{metal} {n}" for metal, n in counts["by_metal"].items()))
    click.echo("  by status: " + ", ".join(f"{status} {n}" for status, n in counts["by_status"].items()))
    lists = status_list_summary(run.status_book)
    click.echo("  status lists: " + (", ".join(f"{s['source']} ({s['as_of']})" for s in lists) or "none imported"))
    for facility in result.facilities:
        flags = " covered-country" if facility.covered_country else ""
        click.echo(
            f"  {facility.metal or '?':<9} {facility.smelter_id or '(no ID)':<10} {facility.name[:48]:<48} "
            f"{(facility.country or '?')[:24]:<24} {facility.status.value:<15} "
            f"{len(facility.suppliers)} supplier(s){flags}"
        )
    for title, rows in (("Unmatched rows", result.unmatched), ("Rows that are not facilities", result.rejected)):
        if rows:
            click.echo(f"{title}: {len(rows)}")
            for row in rows:
                click.echo(f"  {row.source.file} row {row.source.row}: {row.name or '(blank)'} — {row.reason}")


@smelters.command("match")
@click.argument("name", required=False)
@click.option("--metal", help="Gold, Tin, Tantalum or Tungsten.")
@click.option("--country", help="Country of the facility, any spelling.")
@click.option("--id", "smelter_id", help="A Smelter ID to check against the name.")
@click.option(
    "--csv", "csv_file", type=click.Path(path_type=Path), help="Match every row of a CSV (metal, name, country)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (an object, or an array with --csv).")
def smelters_match(
    name: str | None,
    metal: str | None,
    country: str | None,
    smelter_id: str | None,
    csv_file: Path | None,
    as_json: bool,
) -> None:
    """Match smelter names to RMI's reference list: exact, alias, probable, ambiguous (with candidates) or unmatched."""
    if (name is None) == (csv_file is None):
        fail("give a NAME or --csv FILE (one of the two).")
    if metal and parse_metal(metal) is None:
        fail(f"unknown metal '{metal}'; use Gold, Tin, Tantalum or Tungsten.")
    queries = (
        _csv_queries(csv_file)
        if csv_file
        else [{"metal": metal, "name": name, "country": country, "smelter_id": smelter_id}]
    )
    with reference() as store:
        matcher = Matcher(store.reference())
    results = []
    for query in queries:
        match = matcher.match(
            query["name"], parse_metal(query["metal"]), query["country"], normalize_smelter_id(query.get("smelter_id"))
        )
        results.append(match_to_json(match, query))
    if as_json:
        click.echo(json.dumps(results if csv_file else results[0], indent=2, ensure_ascii=False))
        return
    for result in results:
        found = (
            f"{result['smelter_id']} {result['standard_name']} ({result['country']})"
            if result["smelter_id"]
            else "could be one of these; resolve it with `smelters resolve`"
            if result["candidates"]
            else result["reason"]
        )
        click.echo(f"{result['input']['name']!s:<40} {result['method']:<9} {result['confidence']:.2f}  {found}")
        for problem in result["problems"]:
            click.echo(f"    problem: {terminal_text(problem)}")
        for candidate in result["candidates"] if not result["smelter_id"] else ():
            click.echo(
                f"    {candidate['smelter_id']}  {candidate['name']} ({candidate['country']})  {candidate['score']:.0f}"
            )


def _csv_queries(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        fail(f"{path}: cannot read the CSV ({exc}).")
    if rows and "name" not in {key.strip().lower() for key in rows[0]}:
        fail(f"{path}: the CSV needs a header row with columns metal, name, country.")
    queries = []
    for row in rows:
        clean = {(key or "").strip().lower(): (value or "").strip() or None for key, value in row.items()}
        queries.append(
            {
                "metal": clean.get("metal"),
                "name": clean.get("name"),
                "country": clean.get("country"),
                "smelter_id": clean.get("smelter_id"),
            }
        )
    return queries


def _register() -> None:
    from conflict_minerals.cli.facilities import decisions, resolve, review_names, withdraw

    for command in (review_names, resolve, decisions, withdraw):
        smelters.add_command(command)


_register()
