"""CLI commands of the program stage: workspace, suppliers, campaign, ingest, review, decisions, log, status."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from rich.progress import MofNCompleteColumn, Progress, ProgressColumn, Task, TimeElapsedColumn
from rich.text import Text

from conflict_minerals.cli.common import EXIT_FINDINGS, RECORD_ID, echo_json, fail, fail_with, workspace, workspace_root
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.neutral import terminal_text
from conflict_minerals.program.ingest import IngestOutcome, collect_files, ingest_files
from conflict_minerals.program.settings import Settings, load_settings
from conflict_minerals.program.workspace import init_workspace, open_workspace

DATE = click.DateTime(formats=["%Y-%m-%d"])
KIND_WORDS = {
    "request": "request",
    "correction": "correction request",
    "reminder": "reminder",
    "escalation": "escalation",
}


@click.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=Path("."))
@click.option("--company", help="Legal name of the company (written into the settings).")
@click.option("--settings", "settings_file", type=click.Path(path_type=Path), help="Start from this settings file.")
@click.option("--db", "database_url", help="Database URL (default: SQLite file in the workspace).")
def init(directory: Path, company: str | None, settings_file: Path | None, database_url: str | None) -> None:
    """Create a program workspace: settings file, database, folders for files and messages."""
    settings = Settings()
    if settings_file:
        settings, problems = load_settings(settings_file)
        if problems:
            fail("the settings have problems:\n  " + "\n  ".join(problems))
    if company:
        settings = replace(settings, company=replace(settings.company, legal_name=company))
    if database_url:
        settings = replace(settings, database_url=database_url)
    try:
        init_workspace(directory, settings)
        open_workspace(directory, upgrade=True).close()  # creates the database and applies the migrations
    except ConflictMineralsError as exc:
        fail_with(exc)
    click.echo(f"Workspace ready in {directory.resolve()} (edit conflict-minerals.toml for the company profile).")


@click.command()
def migrate() -> None:
    """Upgrade the workspace database to this version's schema and derive what the new schema keeps."""
    from conflict_minerals.program.upgrade import upgrade_workspace

    try:
        result = upgrade_workspace(workspace_root())
    except ConflictMineralsError as exc:
        fail_with(exc)
    if result.before == result.after and not (result.reprocessed or result.imported or result.failed):
        click.echo(f"The workspace database is up to date ({result.after}).")
        return
    click.echo(f"Workspace database upgraded from {result.before or 'empty'} to {result.after}.")
    if result.reprocessed:
        click.echo(f"  {result.reprocessed} stored CMRT(s) parsed into rows from their originals.")
    if result.imported:
        click.echo(f"  {result.imported} reference file(s) moved from reference/ into the database.")
    if result.moved_originals:
        click.echo(f"  {result.moved_originals} original file(s) moved from files/ into the shared database.")
    for failure in result.failed:
        click.echo(f"error: {terminal_text(failure)}", err=True)
    if result.failed:
        fail(
            f"{len(result.failed)} stored CMRT(s) could not be parsed into rows; they are left out of reports "
            "until their originals are found (then run `conflict-minerals reprocess`)."
        )


TEMPLATE_OPTION = click.option(
    "--template",
    type=click.Choice(["CMRT", "EMRT", "CRT", "AMRT"], case_sensitive=False),
    default="CMRT",
    show_default=True,
    callback=lambda _ctx, _param, value: value.upper(),
    help="Which of the supplier's templates.",
)


@click.group()
def campaign() -> None:
    """The yearly survey of suppliers."""


@campaign.command("start")
@click.argument("year", type=int)
@click.option("--due", type=DATE, help="Due date of responses (default from the settings).")
@click.option("--product-level/--company-level", default=None, help="Ask for product-level CMRTs.")
@click.option("--send", is_flag=True, help="Send the requests through SMTP as configured (default: write files).")
@click.option("--no-letters", is_flag=True, help="Create the requests without writing letters (write them later).")
@click.option(
    "--templates",
    metavar="LIST",
    help="The templates to ask each supplier for, e.g. CMRT,EMRT (default CMRT; CRT and AMRT too).",
)
def campaign_start(
    year: int, due: dt.datetime | None, product_level: bool | None, send: bool, no_letters: bool, templates: str | None
) -> None:
    """Start the campaign of a reporting year: a request to every active supplier, with the blank template attached.

    Run again after adding suppliers: new suppliers get a request, nobody gets a second one. Run again with
    more templates (--templates CMRT,EMRT) to ask for those as well.
    """
    from conflict_minerals.service.outreach import send_requests
    from conflict_minerals.service.program import start_campaign

    with workspace() as ws:
        started, added = start_campaign(ws, ws.actor, year, due.date() if due else None, product_level, templates)
        asked = " and ".join(started.templates)
        click.echo(
            f"Campaign {started.year} ({asked}): {added} new request(s); responses due {started.due_date.isoformat()}."
        )
        if no_letters:
            return
        try:
            result = send_requests(ws, ws.actor, started.year, send)
        except ConflictMineralsError as exc:
            message = terminal_text(exc.message)
            click.echo(
                f"{'error' if send else 'warning'}: no letters written: {message} Then run this again.", err=True
            )
            if send:
                raise SystemExit(2) from None
            return
    _outreach_lines(result.written, "request")
    for line in result.skipped:
        click.echo(f"warning: {terminal_text(line)}", err=True)
    if result.written and result.template is None:
        click.echo(
            "warning: no trusted blank CMRT is imported, so the letters link to RMI's download page instead of "
            "attaching it; import one with `conflict-minerals refdata import-template FILE`.",
            err=True,
        )
    elif result.written:
        click.echo(f"The blank template {result.template} is attached to each request.")
    _send_problems(result.problems)


@campaign.command("extend")
@click.argument("supplier")
@click.option("--until", type=DATE, required=True, help="The supplier's new due date.")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--campaign", "year", type=int, help="Campaign year (default: the latest open one).")
def campaign_extend(supplier: str, until: dt.datetime, reason: str, year: int | None) -> None:
    """Give one supplier more time: its own due date; reminders start again from it."""
    from conflict_minerals.service.outreach import extend_due_date

    with workspace() as ws:
        started, record = extend_due_date(ws, ws.actor, supplier, until.date(), reason, year)
    click.echo(terminal_text(f"{record.name}: due {until.date().isoformat()} in the {started.year} campaign."))


@campaign.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the campaigns as JSON only.")
def campaign_list(as_json: bool) -> None:
    """List the campaigns, newest first: due date, open or closed, responses; * marks the default."""
    from conflict_minerals.service.program import list_campaigns

    with workspace() as ws:
        found = list_campaigns(ws)
    if as_json:
        echo_json({"campaigns": [item.as_json() for item in found]})
        return
    if not found:
        click.echo("No campaign yet; start one with `conflict-minerals campaign start YEAR`.")
    for item in found:
        c = item.campaign
        state = f"closed {c.closed_at:%Y-%m-%d}" if c.closed_at else "open"
        click.echo(
            f"{'*' if item.default else ' '} {c.year}  due {c.due_date.isoformat()}  {state:<17} "
            f"{item.responded} of {item.suppliers} responded ({item.response_rate:.0%})"
        )


@campaign.command("close")
@click.argument("year", type=int)
def campaign_close(year: int) -> None:
    """Close a year's campaign: it is kept and can be reported on, but is no longer the default."""
    from conflict_minerals.service.program import close_campaign

    with workspace() as ws:
        close_campaign(ws, ws.actor, year)
    click.echo(f"Campaign {year} closed.")


@campaign.command("reopen")
@click.argument("year", type=int)
def campaign_reopen(year: int) -> None:
    """Reopen a closed campaign."""
    from conflict_minerals.service.program import close_campaign

    with workspace() as ws:
        close_campaign(ws, ws.actor, year, reopen=True)
    click.echo(f"Campaign {year} reopened.")


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--campaign", "year", type=int, help="Campaign year (default: the latest).")
@click.option("--supplier", help="Assign every file to this supplier.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes reading files (default: one per core).")
def ingest(inputs: tuple[Path, ...], year: int | None, supplier: str | None, jobs: int | None) -> None:
    """Ingest received CMRTs (and EMRT, CRT, AMRT): keep the originals, read, review, link them to suppliers."""
    skipped: list[Path] = []
    paths = collect_files(inputs, skipped)
    for path in skipped:
        click.echo(terminal_text(f"{path}: skipped: not a spreadsheet file (.xlsx, .xls, .xlsm); not read or kept."))
    if not paths:
        fail("no spreadsheet files found in the given paths.")
    columns = (*Progress.get_default_columns(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn())
    with workspace() as ws, Progress(*columns, transient=True, disable=len(paths) < 3) as progress:
        task = progress.add_task("Ingesting", total=len(paths))

        def done(outcome: IngestOutcome) -> None:
            progress.advance(task)
            progress.console.print(terminal_text(_outcome_line(outcome)), highlight=False, soft_wrap=True, markup=False)

        outcomes = ingest_files(ws, paths, year, supplier, done, jobs)
    counts = {
        status: sum(1 for o in outcomes if o.status == status)
        for status in ("added", "duplicate", "unassigned", "unreadable")
    }
    click.echo(
        ", ".join(f"{n} {status}" for status, n in counts.items()) + (f", {len(skipped)} skipped" if skipped else "")
    )
    if counts["unassigned"] or counts["unreadable"]:
        click.echo(
            "Unassigned and unreadable files are listed by `conflict-minerals status`; file one under a supplier with "
            "`assign`, or set it aside with `discard SUBMISSION --reason TEXT`."
        )
    if counts["unreadable"]:
        raise SystemExit(2)


class _Rate(ProgressColumn):
    """Files per second, for the progress bar."""

    def render(self, task: Task) -> Text:
        """Show the current rate."""
        return Text(f"{task.speed or 0:.1f} files/s")


def _outcome_line(outcome: IngestOutcome) -> str:
    name = Path(outcome.path).name
    if outcome.status == "added":
        return (
            f"{name}: {outcome.supplier} v{outcome.version}, {outcome.errors} error(s), "
            f"{outcome.warnings} warning(s) (linked by {outcome.message})"
        )
    return f"{name}: {outcome.status}: {outcome.message}"


@click.command()
@click.option("--campaign", "year", type=int, help="Only this campaign's submissions (default: all).")
def reprocess(year: int | None) -> None:
    """Read the stored originals again (after a reader or reference upgrade) and show what changed."""
    from conflict_minerals.service.program import reprocess_stored

    with workspace() as ws:
        changes = reprocess_stored(ws, ws.actor, year)
    failed = 0
    for change in changes:
        if change.error:
            failed += 1
            click.echo(f"{change.file}: {change.error}", err=True)
            continue
        added = sorted(set(change.facilities_after) - set(change.facilities_before))
        removed = sorted(set(change.facilities_before) - set(change.facilities_after))
        moved = f"; facilities +{len(added)} -{len(removed)}" if added or removed else ""
        click.echo(f"{change.file}: findings {change.findings_before} -> {change.findings_after}{moved}")
    click.echo(f"{len(changes) - failed} submission(s) reprocessed, {failed} failed.")
    if failed:
        raise SystemExit(2)


@click.command()
@click.argument("supplier", required=False)
@click.option("--campaign", "year", type=int)
@click.option("--all", "show_all", is_flag=True, help="Include waived and info findings.")
@click.option("--recheck", is_flag=True, help="Review the current CMRTs again first (e.g. after new reference data).")
@click.option("--json", "as_json", is_flag=True)
def review(supplier: str | None, year: int | None, show_all: bool, recheck: bool, as_json: bool) -> None:
    """List the findings of suppliers' current files, every template (exit 1 when there are open errors)."""
    from conflict_minerals.service.program import recheck_current, review_items

    with workspace() as ws:
        if recheck:
            for change in recheck_current(ws, ws.actor, year, supplier):
                click.echo(
                    f"rechecked {change.file}: {change.findings_before} -> {change.findings_after} finding(s)", err=True
                )
        items = review_items(ws, year, supplier, show_all)
    if as_json:
        echo_json([item.as_json() for item in items])
    else:
        for item in items:
            kind = "" if item.template == "CMRT" else f"{item.template} "
            click.echo(terminal_text(f"{item.supplier} — {kind}{item.file} (v{item.version}, {item.state})"))
            for f in item.findings:
                where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
                waived = " [waived]" if f.waived else ""
                click.echo(terminal_text(f"  {f.severity:<7} {f.code:<11} {where!s:<18} {f.message}{waived}"))
    if any(item.open_errors for item in items):
        raise SystemExit(EXIT_FINDINGS)


@click.command()
@click.argument("supplier", required=False)
@click.option("--campaign", "year", type=int)
@click.option("--send", is_flag=True, help="Send through SMTP as configured (default: write files only).")
@click.option("--warnings", "include_warnings", is_flag=True, help="Ask to correct open warnings too, not only errors.")
@click.option("--due", type=DATE, help="The new due date (default: today + campaign.correction_days).")
@click.option("--dry-run", is_flag=True, help="Show who would get what; write and record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON only.")
def corrections(
    supplier: str | None,
    year: int | None,
    send: bool,
    include_warnings: bool,
    due: dt.datetime | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Ask for corrected CMRTs: open errors (and warnings with --warnings), one supplier or all under review."""
    from conflict_minerals.service.outreach import request_corrections

    with workspace() as ws:
        result = request_corrections(
            ws, ws.actor, year, supplier, send, include_warnings, due.date() if due else None, dry_run
        )
    if as_json:
        echo_json(_outreach_json(result, dry_run))
    elif dry_run:
        _planned_lines(result.planned, "correction request")
        for line in result.skipped:
            click.echo(f"  {terminal_text(line)}")
    else:
        _outreach_lines(result.written, "correction request")
        if not result.written:
            click.echo("No CMRT under review has open errors to correct.")
        for line in result.skipped:
            click.echo(f"  {terminal_text(line)}")
    _send_problems(result.problems)


def _planned_lines(planned: Any, what: str) -> None:
    click.echo(f"Dry run: {len(planned)} {what}(s) would be written; nothing was recorded.")
    for item in planned:
        click.echo(f"  {terminal_text(item.supplier)}: {item.kind}, due {item.due.isoformat()} ({item.detail})")
        for finding in item.findings:
            where = f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet
            click.echo(f"      {finding.severity:<7} {finding.code:<11} {where}")


def _outreach_lines(written: Any, what: str) -> None:
    for message in written:
        kind = KIND_WORDS.get(message.kind, message.kind)
        click.echo(f"{terminal_text(message.supplier)}: {kind} written to {message.path} ({message.sent_via})")


def _outreach_json(result: Any, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "planned": [item.as_json() for item in result.planned],
        "written": [
            {"supplier": w.supplier, "kind": w.kind, "path": str(w.path), "sent_via": w.sent_via}
            for w in result.written
        ],
        "sent": result.sent,
        "skipped": list(result.skipped),
        "no_response": result.overdue,
        "problems": list(result.problems),
    }


def _send_problems(problems: tuple[str, ...]) -> None:
    for problem in problems:
        hint = (
            "Then run `conflict-minerals outbox send --resend-interrupted`."
            if "interrupted" in problem
            else "Retry with `conflict-minerals outbox send`."
        )
        click.echo(f"error: {problem} {hint}", err=True)
    if problems:
        raise SystemExit(2)


@click.command()
@click.option("--campaign", "year", type=int)
@click.option("--send", is_flag=True, help="Send through SMTP as configured (default: write files only).")
@click.option("--dry-run", is_flag=True, help="Show who would get what; write and record nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON only.")
@click.option("--supplier", help="Only this supplier, now that its due date has passed (no grace period or interval).")
def remind(year: int | None, send: bool, dry_run: bool, as_json: bool, supplier: str | None) -> None:
    """Remind suppliers whose due date passed (after the grace period), then escalate; sets no_response."""
    from conflict_minerals.service.outreach import send_reminders as remind_all

    with workspace() as ws:
        try:
            result = remind_all(ws, ws.actor, year, send, dry_run, supplier=supplier)
        except ConflictMineralsError as exc:
            fail_with(exc)
    if as_json:
        echo_json(_outreach_json(result, dry_run))
    elif dry_run:
        if result.overdue:
            click.echo(f"{result.overdue} request(s) would be set to no_response: nothing received by the due date.")
        _planned_lines(result.planned, "reminder or escalation")
    else:
        if result.overdue:
            click.echo(f"{result.overdue} request(s) set to no_response: nothing received by the due date.")
        _outreach_lines(result.written, "reminder")
        reminders = sum(1 for w in result.written if w.kind == "reminder")
        escalations = len(result.written) - reminders
        click.echo(f"{reminders} reminder(s), {escalations} escalation(s).")
    if not as_json:
        for line in result.skipped:
            click.echo(f"warning: {terminal_text(line)}", err=True)
    _send_problems(result.problems)


@click.group()
def outbox() -> None:
    """Messages to suppliers waiting to be sent."""


@outbox.command("send")
@click.option(
    "--resend-interrupted", is_flag=True, help="Also send again what an interrupted send may or may not have sent."
)
def outbox_send(resend_interrupted: bool) -> None:
    """Send every message still pending (for example after the mail server was down)."""
    from conflict_minerals.service.outreach import send_outbox

    with workspace() as ws:
        result = send_outbox(ws, ws.actor, resend_interrupted)
    click.echo(f"{result.sent} message(s) sent.")
    _send_problems(result.problems)


def _decision(name: str, help_text: str, needs_reason: bool) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("supplier")
    @click.option("--reason", required=needs_reason, help="Why (kept in the audit trail).")
    @click.option("--campaign", "year", type=int)
    @TEMPLATE_OPTION
    def command(supplier: str, reason: str | None, year: int | None, template: str, **extra: Any) -> None:
        from conflict_minerals.service.program import decide

        with workspace() as ws:
            target = decide(
                ws,
                ws.actor,
                name,
                supplier,
                reason,
                year,
                extra.get("despite_findings", False),
                extra.get("version"),
                template,
            )
        named = "" if template == "CMRT" else f" ({template})"
        click.echo(terminal_text(f"{target.name}: {name} recorded{named}."))

    if name == "accept":
        command = click.option("--despite-findings", is_flag=True, help="Accept although errors are open.")(command)
        command = click.option("--version", type=int, help="Accept only this version (the one you reviewed).")(command)
    return command


accept = _decision("accept", "Accept a supplier's current CMRT.", needs_reason=False)
reject = _decision("reject", "Reject a supplier's current CMRT (left out of the report).", needs_reason=True)
escalate = _decision("escalate", "Escalate a supplier to management.", needs_reason=True)
not_applicable = _decision(
    "not-applicable", "Mark a supplier as out of scope (e.g. supplies no 3TG).", needs_reason=True
)


@click.command()
@click.argument("supplier")
@click.argument("code")
@click.option("--cell", help="Only the finding at this cell.")
@click.option("--reason", required=True, help="Why the finding does not matter (kept in the audit trail).")
@click.option("--campaign", "year", type=int)
@TEMPLATE_OPTION
def waive(supplier: str, code: str, cell: str | None, reason: str, year: int | None, template: str) -> None:
    """Waive a finding of a supplier's current CMRT (or other template), with a reason."""
    from conflict_minerals.service.program import waive as waive_findings

    with workspace() as ws:
        count = waive_findings(ws, ws.actor, supplier, code, cell, reason, year, template)
    click.echo(f"{count} finding(s) {code} waived.")


@click.command()
@click.argument("submission", type=RECORD_ID)
@click.argument("supplier")
@click.option("--campaign", "year", type=int)
def assign(submission: int, supplier: str, year: int | None) -> None:
    """Assign an unassigned submission (see `status`) to a supplier."""
    from conflict_minerals.service.program import assign as assign_submission

    with workspace() as ws:
        assign_submission(ws, ws.actor, submission, supplier, year)
    click.echo(f"Submission {submission} assigned to {supplier}.")


@click.command()
@click.argument("submission", type=RECORD_ID)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--campaign", "year", type=int)
def discard(submission: int, reason: str, year: int | None) -> None:
    """Set aside an unassigned or unreadable file (see `status`); the original is kept."""
    from conflict_minerals.service.program import discard as discard_submission

    with workspace() as ws:
        name = discard_submission(ws, ws.actor, submission, reason, year)
    click.echo(terminal_text(f"Submission {submission} ({name}) set aside; `status` no longer lists it."))


@click.command("log")
@click.option("--supplier", help="Only this supplier's events.")
@click.option("--campaign", "year", type=int, help="Only this campaign's events.")
@click.option(
    "--kind", "kinds", multiple=True, help="Only this kind, or kinds starting with it (facility, reminder.sent)."
)
@click.option("--since", type=DATE, help="Only events on or after this date (UTC).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N events.")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON only.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="Write the events to a CSV file ('-': stdout).")
def log(
    supplier: str | None,
    year: int | None,
    kinds: tuple[str, ...],
    since: dt.datetime | None,
    limit: int | None,
    as_json: bool,
    csv_out: Path | None,
) -> None:
    """Show the audit trail: every import, state change, decision, message, report and export (times in UTC)."""
    from conflict_minerals.service.audit import event_json, events_csv
    from conflict_minerals.service.program import AuditQuery, audit_trail

    if as_json and csv_out is not None:
        fail("give --json or --csv, not both.")
    with workspace() as ws:
        query = AuditQuery(supplier, year, kinds, since.date() if since else None, limit=limit)
        found = audit_trail(ws, query)
    if csv_out is not None:
        _write_events_csv(events_csv(found), len(found), csv_out)
        return
    if as_json:
        echo_json([event_json(e) for e in found])
        return
    for event in found:
        reason = f" — {event.reason}" if event.reason else ""
        who = f" {event.supplier}" if event.supplier else ""
        year_text = f" [{event.campaign_year}]" if event.campaign_year else ""
        what = f": {event.summary}" if event.summary else ""
        line = f"{event.at:%Y-%m-%d %H:%M}Z {event.actor:<12} {event.kind:<22}{year_text}{who}{what}{reason}"
        click.echo(terminal_text(line))  # a line break in a reason cannot forge another event's line


def _write_events_csv(text: str, count: int, target: Path) -> None:
    """Write the events' CSV (every cell neutral to a spreadsheet) to a file or stdout."""
    if str(target) == "-":
        click.echo(text, nl=False)
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or type(exc).__name__}.")
    click.echo(f"{count} event(s) written to {target}")


@click.command()
@click.option("--campaign", "year", type=int)
@click.option("--json", "as_json", is_flag=True)
def status(year: int | None, as_json: bool) -> None:
    """Per supplier: state, current version, open findings, last contact; totals and response rate."""
    from conflict_minerals.service.program import campaign_status

    with workspace() as ws:
        report = campaign_status(ws, year)
    if as_json:
        echo_json(report)
        return
    several = len(report["templates"]) > 1
    for template, totals in report["by_template"].items():
        named = f" {template}" if several else ""
        click.echo(
            f"Campaign {report['campaign']}{named} (due {report['due_date']}): {totals['responded']} of "
            f"{totals['surveyed']} responded ({totals['response_rate']:.0%}); {totals['outstanding']} outstanding"
        )
    for row in report["suppliers"]:
        found = ", ".join(f"{n} {sev}" for sev, n in row["open_findings"].items()) or "no open findings"
        version = f"v{row['current_version']}" if row["current_version"] else "-"
        own_due = f"  due {row['due_date']}" if row["due_date"] != report["due_date"] else ""
        escalated = "  escalated" if row["escalated"] else ""
        template = f"{row['template']:<5}" if several else ""
        click.echo(
            terminal_text(
                f"  {row['supplier']:<40} {template}{row['state']:<21} {version:<4} {found:<28} "
                f"last contact {row['last_contact'] or '-'}{own_due}{escalated}"
            )
        )
    for item in report["unassigned"]:
        named = item["declared_company"] or "no company name"
        what = named if item["readable"] else f"unreadable: {item['error']}"
        click.echo(terminal_text(f"  unassigned submission {item['id']}: {item['file']} ({what})"))
