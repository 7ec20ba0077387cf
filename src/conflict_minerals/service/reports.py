"""Reports as the CLI and the web ask for them: run and store a report, explain a figure, export the company CMRT.

Reads happen in read transactions; the only write (storing the run) is short; files are
written after it, to a staging folder swapped in whole.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.filings.check import CheckFinding, finding_json
from conflict_minerals.filings.own import check_model
from conflict_minerals.program.audit import record
from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import build_report
from conflict_minerals.report.model import Evidence, ReportModel
from conflict_minerals.report.runs import (
    FacilitySummary,
    ReportRunError,
    StoredRun,
    explain,
    find_run,
    inputs_digest,
    store_run,
    summarize,
)
from conflict_minerals.report.texts import plural
from conflict_minerals.report.write import WrittenReport, write_report


class ReportCheckError(ConflictMineralsError):
    """A final filing the pre-filing check found errors in."""

    default_code = "report.not_ready"


class ReportError(ConflictMineralsError):
    """A report that cannot be produced as asked."""

    default_code = "report.invalid"


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A report run: its model, its stored number and the files written."""

    model: ReportModel
    run_id: int
    written: WrittenReport
    findings: list[CheckFinding]


def run_report(
    workspace: Workspace,
    period: int,
    actor: str,
    as_of: dt.date | None = None,
    out: Path | None = None,
    compare: int | None = None,
    today: dt.date | None = None,
    signature_date: dt.date | None = None,
    draft: bool = False,
) -> ReportResult:
    """Compute the period's report, check it, store the run, and write every output.

    A final filing with errors from the pre-filing check is refused (nothing is stored or
    written); a draft is written with the findings and every page marked DRAFT.
    """
    folder = out or workspace.root / "reports" / str(period)
    _check_folder(folder)
    if signature_date is not None and signature_date <= dt.date(period, 12, 31):
        raise ReportError(
            f"the signature date {signature_date.isoformat()} is not after the reporting period {period}.",
            "report.signature_date",
        )
    if compare is not None and compare >= period:
        raise ReportError(f"compare with an earlier period than {period}, not {compare}.", "report.compare")
    model = build_report(workspace, period, as_of, today=today, compare=compare, signature_date=signature_date)
    model.draft = draft
    findings = check_model(model)
    errors = [f for f in findings if f.severity.value == "error"]
    if errors and not draft:
        raise ReportCheckError(
            f"the report for {period} is not ready to file: {plural(len(errors), 'error')} from the pre-filing check "
            f"(first: {errors[0].message}).",
            period=period,
            findings=[finding_json(f) for f in findings],
        )
    _store(workspace, model, period, actor)
    assert model.run_id is not None
    workspace.refresh_statistics()  # a run adds a row per supplier to the inputs its evidence joins
    written = replace_folder(folder, lambda staging: write_report(model, staging, findings))
    files = tuple(folder / p.name for p in written.files)
    with workspace.transaction() as connection:
        errors_left = sum(1 for f in findings if f.severity.value == "error")
        detail = {
            "run": model.run_id,
            "as_of": model.as_of,
            "draft": draft,
            "folder": folder.name,
            "errors": errors_left,
        }
        record(connection, actor, "report.written", detail, campaign_year=period)
    return ReportResult(model, model.run_id, WrittenReport(folder, files), findings)


def _computed_and_stored(
    workspace: Workspace,
    period: int,
    actor: str,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    compare: int | None = None,
) -> ReportModel:
    """Compute a report model from the stored rows and store it as a run (the model gets its number)."""
    model = build_report(workspace, period, as_of, today=today, compare=compare)
    _store(workspace, model, period, actor)
    return model


def _store(workspace: Workspace, model: ReportModel, period: int, actor: str) -> None:
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, period)
        model.run_id = store_run(connection, model, campaign.id, model.inputs, actor)


MARKER = ".conflict-minerals-report"  # a report folder we made and may replace whole


def _check_folder(folder: Path) -> None:
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise ReportError(
            f"{folder} already holds other files; write the report to a new or empty folder.",
            "report.folder_in_use",
            folder=str(folder),
        )


def replace_folder(folder: Path, fill: Callable[[Path], WrittenReport]) -> WrittenReport:
    """Write into a staging folder beside `folder`, then swap it in whole (no mix of two runs).

    Only a folder this tool made (it holds the marker) or a new or empty one is replaced; anything
    else in it that the report did not write (the company CMRT, notes) is carried over.
    """
    _check_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for left in folder.parent.glob(f".{folder.name}.*.staging"):  # a killed run's leftovers
        shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".staging", dir=folder.parent))
    try:
        written = fill(staging)
        (staging / MARKER).write_text("written by conflict-minerals report\n", encoding="utf-8")
        for extra in folder.iterdir() if folder.is_dir() else ():
            target = staging / extra.name
            if not target.exists():
                (shutil.copytree if extra.is_dir() and not extra.is_symlink() else shutil.copy2)(extra, target)
        old = folder.with_name(f".{folder.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


@dataclass(frozen=True, slots=True)
class Explanation:
    """What stands behind a figure of a stored report run."""

    run: StoredRun
    stale: bool  # the data changed since the run: its figures are not today's
    figure: str
    value: int | float
    facilities: list[FacilitySummary] | None  # facility figures: each facility counted
    records: list[Evidence] | None  # suppliers counted, or (when asked) every supplier row


def explain_figure(
    workspace: Workspace,
    period: int,
    figure: str,
    as_of: dt.date | None = None,
    run_id: int | None = None,
    rows: bool = False,
    actor: str | None = None,
) -> Explanation:
    """Explain a figure from a stored report run; with no run yet for the period, compute and store one first."""
    with workspace.read() as connection:
        campaign = require_campaign(connection, period)
        found = find_run(connection, period, as_of, run_id)
        stale = found is not None and inputs_digest(connection, campaign.id, found.as_of) != found.inputs_digest
        if found is not None:
            facilities = summarize(found, figure)
            records = explain(connection, found, figure) if facilities is None or rows else None
            return Explanation(found, stale, figure, found.figures[figure], facilities, records)
    if run_id is not None:
        raise ReportRunError(f"there is no report run {run_id} for {period}.", run=run_id, period=period)
    model = _computed_and_stored(workspace, period, actor or workspace.actor, as_of)
    return explain_figure(workspace, period, figure, model.as_of, model.run_id, rows, actor)


def evidence_csv(workspace: Workspace, period: int, run_id: int | None = None) -> tuple[StoredRun, str]:
    """Return every figure's records of a stored run as CSV text."""
    from conflict_minerals.report.runs import write_evidence_csv

    with workspace.read() as connection:
        found = find_run(connection, period, None, run_id)
        if found is None:
            raise ReportRunError(f"there is no stored report run for {period} yet.", period=period)
        buffer = io.StringIO()
        write_evidence_csv(connection, found, buffer)
    return found, buffer.getvalue()
