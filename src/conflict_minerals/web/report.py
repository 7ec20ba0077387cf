"""The Report page: the stored run's Form SD and report, each figure's evidence, the bundle and the company CMRT."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.users import User
from conflict_minerals.report.texts import plural
from conflict_minerals.service.report_view import (
    company_cmrt,
    compute_draft,
    figure_evidence,
    report_bundle,
    report_view,
)
from conflict_minerals.web.guard import action, page
from conflict_minerals.web.render import flash, not_found, redirect, render


def _year(request: Request) -> int | None:
    text = request.query_params.get("campaign", "")
    return int(text) if text.isdigit() and len(text) == 4 else None


def _run(request: Request) -> int | None:
    text = request.query_params.get("run", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _problem(request: Request, exc: ConflictMineralsError) -> Response:
    if exc.code == "campaign.none":
        message = "There is no campaign yet: start one with `conflict-minerals campaign start YEAR`."
    else:
        message = str(exc)
    return render(request, "error.html", title="Nothing to show yet", message=message, active="report")


def _download(name: str, data: bytes, media_type: str) -> Response:
    headers = {"content-disposition": f'attachment; filename="{name}"'}  # our own ASCII names, never the request's
    return Response(data, media_type=media_type, headers=headers)


@page("viewer")
async def report_page(request: Request, user: User) -> Response:
    """The newest stored run: Form SD and Conflict Minerals Report, every figure linked to its evidence."""
    try:
        view = await run_in_threadpool(report_view, request.app.state.workspace, _year(request), _run(request))
    except ConflictMineralsError as exc:
        return _problem(request, exc)
    return render(request, "report.html", title="Report", view=view, today=dt.date.today(), active="report")


@action("reviewer")
async def compute_action(request: Request, user: User | None, form: FormData) -> Response:
    """Compute the draft report as of a date (the service of `report --draft`), store and write it."""
    assert user is not None
    text = form.get("as_of")
    try:
        as_of = dt.date.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        flash(request, "error", "Give the as-of date as YYYY-MM-DD.")
        return redirect("/report")
    try:
        result = await run_in_threadpool(compute_draft, request.app.state.workspace, user.name, as_of)
    except ConflictMineralsError as exc:
        flash(request, "error", str(exc))
        return redirect("/report")
    errors = [f for f in result.findings if f.severity.value == "error"]
    flash(request, "ok", f"Draft report run {result.run_id} computed as of {result.model.as_of.isoformat()}; "
          f"the pre-filing check found {plural(len(errors), 'error')}.")  # fmt: skip
    for finding in errors[:5]:  # what stands between the draft and a filing
        flash(request, "error", f"Pre-filing check: {finding.message}")
    if len(errors) > 5:
        flash(request, "error", f"Pre-filing check: {len(errors) - 5} more error(s); "
              f"`conflict-minerals filings check --period {result.model.period}` lists them all.")  # fmt: skip
    return redirect(f"/report?run={result.run_id}")


@page("viewer")
async def evidence_page(request: Request, user: User) -> Response:
    """What a figure counts (as `report explain` shows it): facilities, suppliers, files and rows."""
    figure = request.query_params.get("figure", "")[:200]
    facility = request.query_params.get("facility") or None
    try:
        found = await run_in_threadpool(
            figure_evidence, request.app.state.workspace, figure, _year(request), _run(request), facility
        )
    except ConflictMineralsError as exc:
        if exc.code in ("report.no_run", "report.no_facility"):
            return not_found(request, str(exc))
        return _problem(request, exc)
    base = f"/report/evidence?run={found.run.id}&figure={quote(figure)}"
    return render(request, "evidence.html", title=f"Evidence: {figure}", found=found, base=base, active="report")


@page("viewer")
async def bundle_download(request: Request, user: User) -> Response:
    """The stored run's documents as EDGAR HTML, DOCX, Markdown and JSON, in one zip built in memory."""
    try:
        name, data = await run_in_threadpool(report_bundle, request.app.state.workspace, _year(request), _run(request))
    except ConflictMineralsError as exc:
        return _problem(request, exc)
    return _download(name, data, "application/zip")


@page("viewer")
async def company_cmrt_download(request: Request, user: User) -> Response:
    """The company's own CMRT for its customers, written to a temporary file and sent."""
    try:
        name, data = await run_in_threadpool(company_cmrt, request.app.state.workspace, user.name, _year(request))
    except ConflictMineralsError as exc:
        return _problem(request, exc)
    return _download(name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def routes() -> list[BaseRoute]:
    """The Report page's routes, for `app.routes()`."""
    return [
        Route("/report", report_page),
        Route("/report/compute", compute_action, methods=["POST"]),
        Route("/report/evidence", evidence_page),
        Route("/report/bundle", bundle_download),
        Route("/report/company-cmrt", company_cmrt_download),
    ]
