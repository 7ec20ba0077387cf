"""The report as the web shows it: a stored run's documents and figures, a figure's evidence, the downloads.

Everything is read from a stored report run (its model keeps the document blocks), so a page
never recomputes the report; computing one is `compute_draft`, the service of `report --draft`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.schema import events, report_runs
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.document import Block, Paragraph, blocks_from_json
from conflict_minerals.report.model import METALS, Evidence
from conflict_minerals.report.render import edgar_file_name, to_docx, to_edgar_html, to_markdown
from conflict_minerals.report.runs import (
    FacilitySummary,
    ReportRunError,
    StoredRun,
    facility_rows,
    find_run,
    find_run_id,
    summarize,
)
from conflict_minerals.report.write import DRAFT
from conflict_minerals.service.kept import Kept, settle, workspace_key
from conflict_minerals.service.reports import ReportResult, run_report

SHOWN = 1000  # records listed on an evidence page; the CSV export (`report evidence`) has them all
COUNTS = ("total", "conformant", "active", "not_conformant", "not_listed")


@dataclass(frozen=True, slots=True)
class RunLine:
    """A stored run as the list of runs shows it."""

    id: int
    as_of: dt.date
    created_at: dt.datetime
    draft: bool | None  # None: not recorded (a run stored without its report.written event)
    actor: str


RUNS_LISTED = 10


_RUN_LINES: Kept[tuple[RunLine, ...]] = Kept(size=4)


def run_lines(workspace: Workspace, period: int) -> tuple[RunLine, ...]:
    """The period's newest stored runs, and its newest final one however old; kept while nothing changes."""
    key = (workspace_key(workspace), period)
    return _RUN_LINES.get(key, workspace.change_count(), lambda: _run_lines(workspace, period))


def _run_lines(workspace: Workspace, period: int) -> tuple[RunLine, ...]:
    with workspace.read() as connection:
        found = connection.execute(
            select(report_runs.c.id, report_runs.c.as_of, report_runs.c.created_at, report_runs.c.actor)
            .where(report_runs.c.period == period)
            .order_by(report_runs.c.id.desc())
        ).all()
        written = connection.scalars(
            select(events.c.detail).where(events.c.kind == "report.written", events.c.campaign_year == period)
        ).all()
    drafts: dict[int, bool] = {}
    for detail in written:
        data = json.loads(detail)
        if isinstance(data.get("run"), int):
            drafts[data["run"]] = bool(data.get("draft"))
    lines = [RunLine(r.id, r.as_of, r.created_at, drafts.get(r.id), r.actor) for r in found]
    shown = lines[:RUNS_LISTED]
    final = next((line for line in lines if line.draft is False), None)  # what was filed, or would be
    return tuple(shown if final is None or final in shown else [*shown, final])


@dataclass(frozen=True, slots=True)
class ReportView:
    """A stored run as the report page shows it: both documents, every figure, and which cells are figures."""

    period: int
    run: StoredRun | None  # None: no run yet for the period
    form_sd: list[Block]
    cmr: list[Block]
    figures: dict[str, int | float]
    summary_figures: dict[tuple[str, str], str]  # (row label, column header) of the facility table -> figure
    runs: tuple[RunLine, ...] = ()  # the period's newest stored runs, to open another one

    @property
    def draft(self) -> bool:
        """Whether the run was computed as a draft."""
        return bool(self.run and self.run.data.get("draft"))


def _period(workspace: Workspace, year: int | None) -> int:
    with workspace.read() as connection:
        return require_campaign(connection, year).year


_RUNS: Kept[StoredRun] = Kept(size=4)
STORED = 0  # a stored run never changes: it is kept whatever else changes


def _run(workspace: Workspace, period: int, run_id: int | None) -> StoredRun:
    """A stored run, read (and its model decoded, 0.1 s at 10,000 suppliers) once per process."""
    with workspace.read() as connection:
        found = find_run_id(connection, period, run_id)
        if found is None and run_id is not None:
            raise ReportRunError(f"there is no report run {run_id} of {period}.", "report.no_run", period=period)
        if found is None:
            raise ReportRunError(f"there is no stored report run for {period} yet.", period=period)

        def load() -> StoredRun:
            run = find_run(connection, period, None, found[0])
            assert run is not None  # just found by its number; runs are never deleted
            settle()  # its decoded model is kept for as long as it is the newest
            return run

        # keyed by the creation time too: another database's run of the same number is another run
        return _RUNS.get((workspace_key(workspace), *found), STORED, load)


def _summary_figures() -> dict[tuple[str, str], str]:
    columns = dict(zip(COUNTS, ("Facilities", "Conformant", "Active", "Not conformant", "Not listed"), strict=True))
    cells = {}
    for metal in (*METALS, None):
        prefix = f"facilities.by_metal.{metal}" if metal else "facilities"
        for key, header in columns.items():
            cells[(metal or "Total", header)] = f"{prefix}.{key}"
    return cells


def report_view(workspace: Workspace, year: int | None = None, run_id: int | None = None) -> ReportView:
    """The newest stored run of the campaign's period (or run `run_id`) with its documents and figures."""
    period = _period(workspace, year)
    try:
        run = _run(workspace, period, run_id)
    except ReportRunError:
        if run_id is not None:
            raise
        return ReportView(period, None, [], [], {}, {})
    documents = run.data.get("documents") or {}
    form, cmr = blocks_from_json(documents.get("form_sd", [])), blocks_from_json(documents.get("cmr", []))
    return ReportView(period, run, form, cmr, run.figures, _summary_figures(), run_lines(workspace, period))


def compute_draft(workspace: Workspace, actor: str, as_of: dt.date | None, year: int | None = None) -> ReportResult:
    """Compute, store and write the draft report as of a date: the service of `report --draft`."""
    return run_report(workspace, _period(workspace, year), actor, as_of=as_of, draft=True)


@dataclass(frozen=True, slots=True)
class FigureEvidence:
    """What stands behind a figure of a stored run: its facilities, or its records (suppliers, or rows)."""

    run: StoredRun
    figure: str
    value: int | float
    facilities: list[tuple[str, FacilitySummary]] | None  # (facility key, summary) for a facility figure
    records: list[Evidence]  # the suppliers of a supplier figure, or the rows of the one facility asked for
    total_records: int
    facility: FacilitySummary | None  # the facility whose rows are listed


def figure_evidence(
    workspace: Workspace, figure: str, year: int | None = None, run_id: int | None = None, facility: str | None = None
) -> FigureEvidence:
    """The evidence of a figure, as `report explain` shows it; with `facility`, that facility's supplier rows."""
    run = _run(workspace, _period(workspace, year), run_id)
    summaries = summarize(run, figure)  # refuses an unknown figure
    value = run.figures[figure]
    if summaries is None:
        records = [Evidence(**record) for record in run.data["supplier_evidence"][figure]]
        return FigureEvidence(run, figure, value, None, records[:SHOWN], len(records), None)
    keyed = list(zip(run.data["members"].get(figure, []), summaries, strict=True))
    if facility is None:
        return FigureEvidence(run, figure, value, keyed, [], 0, None)
    chosen = next((summary for key, summary in keyed if key == facility), None)
    if chosen is None:
        raise ReportRunError(f"the figure {figure} counts no such facility.", "report.no_facility", figure=figure)
    with workspace.read() as connection:
        rows = facility_rows(connection, run, facility)
    return FigureEvidence(run, figure, value, keyed, rows[:SHOWN], len(rows), chosen)


def report_bundle(workspace: Workspace, year: int | None = None, run_id: int | None = None) -> tuple[str, bytes]:
    """A stored run's Form SD and report as EDGAR HTML, DOCX and Markdown, with its figures as JSON, zipped."""
    view = report_view(workspace, year, run_id)
    run = view.run
    if run is None:
        raise ReportRunError(f"there is no stored report run for {view.period} yet.", period=view.period)
    if not view.form_sd:
        raise ReportRunError(
            f"report run {run.id} was stored before runs kept their documents; compute the report again.", run=run.id
        )
    name = run.data.get("company") or workspace.settings.company.legal_name or "registrant"
    documents = {"form-sd": view.form_sd, "conflict-minerals-report": view.cmr}
    if view.draft:
        mark = Paragraph(DRAFT, centered=True, bold=True)
        documents = {key: [mark, *blocks, mark] for key, blocks in documents.items()}
    files: dict[str, bytes] = {
        edgar_file_name(name, "sd", run.period): to_edgar_html(f"Form SD {run.period}", documents["form-sd"]).encode(),
        edgar_file_name(name, "ex101", run.period): to_edgar_html(
            f"Exhibit 1.01 {run.period}", documents["conflict-minerals-report"]
        ).encode(),
        "report.json": _run_json(run).encode(),
    }
    with tempfile.TemporaryDirectory(prefix="cm-bundle-") as folder:
        for key, blocks in documents.items():
            files[f"{key}.md"] = to_markdown(blocks).encode()
            to_docx(blocks, Path(folder) / f"{key}.docx", header=DRAFT if view.draft else None)
            files[f"{key}.docx"] = (Path(folder) / f"{key}.docx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file_name, data in files.items():
            bundle.writestr(file_name, data)
    return f"report-{run.period}-run-{run.id}.zip", buffer.getvalue()


def _run_json(run: StoredRun) -> str:
    data = {
        "period": run.period,
        "as_of": run.as_of.isoformat(),
        "draft": bool(run.data.get("draft")),
        "signature_date": run.data.get("signature_date"),
        "figures": run.figures,
        "annex": run.data.get("annex", []),
        "status_lists": run.data.get("status_lists", []),
        "evidence": {
            "report_run": run.id,
            "explain": f"conflict-minerals report explain FIGURE --period {run.period} --run {run.id}",
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def company_cmrt(workspace: Workspace, actor: str, year: int | None = None) -> tuple[str, bytes]:
    """The company's own CMRT for the campaign's period, written to a temporary file and returned as bytes."""
    from conflict_minerals.service.templates import export_company_cmrt

    period = _period(workspace, year)
    file_name = f"company-cmrt-{period}.xlsx"
    with tempfile.TemporaryDirectory(prefix="cm-cmrt-") as folder:
        out = Path(folder) / file_name
        export_company_cmrt(workspace, period, out, actor=actor)
        return file_name, out.read_bytes()
