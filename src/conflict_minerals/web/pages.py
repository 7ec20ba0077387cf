"""The read-only pages: dashboard, suppliers, a supplier, the download of an original, the audit trail."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.campaign import TEMPLATE_TYPES
from conflict_minerals.program.users import User
from conflict_minerals.service.audit import events_csv
from conflict_minerals.service.dashboard import BUCKETS, STATES, dashboard, response_series
from conflict_minerals.service.program import AuditQuery, audit_trail
from conflict_minerals.service.program import audit_page as audit_page_of
from conflict_minerals.service.suppliers import (
    FINDING_FILTERS,
    PER_PAGE,
    SORTS,
    SupplierQuery,
    message_text,
    original_of,
    supplier_detail,
    supplier_names,
)
from conflict_minerals.service.suppliers import supplier_rows as rows_of
from conflict_minerals.web.charts import line_chart, simple_chart, stacked_chart
from conflict_minerals.web.guard import page
from conflict_minerals.web.render import not_found, render

SHOWN_EVENTS = 500  # the newest events a page shows; the CSV export has every one

EXPLAINED = {
    "campaign.none": "There is no campaign yet: start one with `conflict-minerals campaign start YEAR`.",
}


def _year(request: Request) -> int | None:
    text = request.query_params.get("campaign", "")
    return int(text) if text.isdigit() and len(text) == 4 else None


def _problem(request: Request, exc: ConflictMineralsError, active: str) -> Response:
    text = EXPLAINED.get(exc.code, str(exc))
    return render(request, "error.html", status_code=200, title="Nothing to show yet", message=text, active=active)


@page("viewer")
async def dashboard_page(request: Request, user: User) -> Response:
    """The campaign dashboard: requests by state, response rate, facilities by metal and status, open items."""
    try:
        board = await run_in_threadpool(dashboard, request.app.state.workspace, _year(request))
    except ConflictMineralsError as exc:
        return _problem(request, exc, "dashboard")
    totals = board.status["by_template"]
    charts = [
        simple_chart(
            f"{template} requests by state", {s: t["by_state"].get(s, 0) for s in STATES if t["by_state"].get(s)}
        )
        for template, t in totals.items()
    ]
    facilities = stacked_chart("Facilities by metal and status", board.facilities, BUCKETS)
    series = await run_in_threadpool(response_series, request.app.state.workspace, board.status["campaign"])
    rate = line_chart("Response rate by week", {t: [(p.week.isoformat(), p.responded, p.surveyed) for p in points]
                                                for t, points in series.items()})  # fmt: skip
    return render(request, "dashboard.html", title="Dashboard", board=board, charts=charts, facilities=facilities,
                  rate=rate, active="dashboard")  # fmt: skip


@page("viewer")
async def suppliers_page(request: Request, user: User) -> Response:
    """The suppliers of the campaign: searched, filtered by state, template and findings, sorted."""
    params = request.query_params
    query = SupplierQuery(
        params.get("q", "")[:200],
        params.get("state", "") if params.get("state") in STATES else "",
        params.get("template", "") if params.get("template") in TEMPLATE_TYPES else "",
        params.get("findings", "") if params.get("findings") in FINDING_FILTERS else "",
        params.get("sort", "supplier") if params.get("sort") in SORTS else "supplier",
        params.get("order") == "desc",
        int(params["page"]) if params.get("page", "").isdigit() and len(params["page"]) <= 6 else 1,
    )
    try:
        year, rows, total = await run_in_threadpool(rows_of, request.app.state.workspace, _year(request), query)
    except ConflictMineralsError as exc:
        return _problem(request, exc, "suppliers")
    base = f"/suppliers?q={quote(query.search)}&state={query.state}&template={query.template}&findings={query.findings}"
    pages = max(1, -(-total // PER_PAGE))
    return render(request, "suppliers.html", title="Suppliers", year=year, rows=rows, query=query, states=STATES,
                  templates=TEMPLATE_TYPES, sorts=SORTS, base=base, active="suppliers", total=total,
                  pages=pages)  # fmt: skip


@page("viewer")
async def message_page(request: Request, user: User) -> Response:
    """A message written to the supplier, as it reads (headers, text, names of attachments)."""
    found = await run_in_threadpool(
        message_text, request.app.state.workspace, request.path_params["supplier_id"], request.path_params["message_id"]
    )
    if found is None:
        return not_found(request, "This supplier has no message of that number.")
    return render(request, "message.html", title=found.message.subject or "Message", found=found,
                  supplier_id=request.path_params["supplier_id"], active="suppliers")  # fmt: skip


@page("viewer")
async def supplier_names_json(request: Request, user: User) -> Response:
    """Up to 20 supplier names containing the text typed (`?q=`), as JSON, for fields that suggest names."""
    names = await run_in_threadpool(supplier_names, request.app.state.workspace, request.query_params.get("q", ""))
    return JSONResponse(names)


@page("viewer")
async def supplier_page(request: Request, user: User) -> Response:
    """A supplier: contacts, requests, every version with its findings and original, correspondence."""
    workspace = request.app.state.workspace
    try:
        detail = await run_in_threadpool(supplier_detail, workspace, request.path_params["supplier_id"], _year(request))
    except ConflictMineralsError as exc:
        if exc.code == "supplier.unknown":
            return not_found(request, "There is no such supplier.")
        return _problem(request, exc, "suppliers")
    decisions = ("accept", "reject", "escalate", "not-applicable")
    return render(request, "supplier.html", title=detail.record.name, detail=detail, decisions=decisions,
                  active="suppliers")  # fmt: skip


@page("viewer")
async def original(request: Request, user: User) -> Response:
    """The original file of a submission, by the submission's id only (no path from the request)."""
    try:
        name, data = await run_in_threadpool(
            original_of, request.app.state.workspace, request.path_params["submission"]
        )
    except ConflictMineralsError:
        return not_found(request, "There is no such file in this workspace.")
    ascii_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[:150] or "original.xlsx"
    headers = {"content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name[:150])}"}
    return Response(data, media_type="application/octet-stream", headers=headers)


def _audit_filter(request: Request, limit: int | None) -> AuditQuery:
    params = request.query_params

    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    return AuditQuery(
        supplier=params.get("supplier") or None,
        campaign_year=_year(request),
        kinds=(params["kind"],) if params.get("kind") else (),
        actor=params.get("actor") or None,
        since=day("since"),
        until=day("until"),
        limit=limit,
    )


@page("viewer")
async def audit_page(request: Request, user: User) -> Response:
    """The audit trail, newest first, filtered by supplier, campaign, actor, kind and dates."""
    wanted = _audit_filter(request, SHOWN_EVENTS)
    workspace = request.app.state.workspace
    try:
        found, total = await run_in_threadpool(audit_page_of, workspace, wanted)
    except ConflictMineralsError as exc:
        found, total, error = [], 0, str(exc)
    else:
        error = ""
    return render(request, "audit.html", title="Audit trail", events=list(reversed(found)), total=total,
                  wanted=wanted, params=request.query_params, error=error,
                  query=str(request.query_params), active="audit")  # fmt: skip


@page("viewer")
async def audit_csv(request: Request, user: User) -> Response:
    """The filtered audit trail as CSV, with the same neutral writer as `log --csv`."""
    wanted = _audit_filter(request, None)
    workspace = request.app.state.workspace
    try:
        found = await run_in_threadpool(audit_trail, workspace, wanted)
    except ConflictMineralsError:
        found = []
    headers = {"content-disposition": 'attachment; filename="audit-trail.csv"'}
    return Response(events_csv(found), media_type="text/csv; charset=utf-8", headers=headers)
