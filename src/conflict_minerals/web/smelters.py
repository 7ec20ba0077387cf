"""The Smelters pages: consolidated facilities, a facility's evidence, names to resolve and decisions in force."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.cmrt.values import parse_metal
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Metal
from conflict_minerals.program.facilities import CONFIRM, EXCLUDE, EXCLUSIONS, MAP, DecisionRequest
from conflict_minerals.program.users import User
from conflict_minerals.service.dashboard import BUCKETS
from conflict_minerals.service.facilities import resolve_name, withdraw_decision
from conflict_minerals.service.smelters import NAMES_PER_PAGE, SORTS, SmelterQuery, facility_evidence, smelter_list
from conflict_minerals.service.suppliers import supplier_ids
from conflict_minerals.web.actions import WEB_HINTS
from conflict_minerals.web.guard import action, page
from conflict_minerals.web.render import flash, not_found, redirect, render

METALS = tuple(metal.value for metal in Metal)
SOURCES_SHOWN = 10  # rows listed under a name awaiting a reviewer; the count says how many there are
ACTIONS = (MAP, CONFIRM, EXCLUDE)


def _as_of(request: Request) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.query_params.get("as_of", ""))
    except ValueError:
        return None


def _year(request: Request) -> int | None:
    text = request.query_params.get("campaign", "")
    return int(text) if text.isdigit() and len(text) == 4 else None


def _query(request: Request) -> SmelterQuery:
    params = request.query_params
    return SmelterQuery(
        params.get("metal", "") if params.get("metal") in METALS else "",
        params.get("status", "") if params.get("status") in BUCKETS else "",
        params.get("covered") == "yes",
        params.get("cahra") == "yes",
        params.get("supplier", "")[:300],
        params.get("sort", "name") if params.get("sort") in SORTS else "name",
        params.get("order") == "desc",
        _page_number(params.get("page")),
        _page_number(params.get("names_page")),
    )


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 and int(text) > 0 else 1


def _problem(request: Request, exc: ConflictMineralsError) -> Response:
    text = "There is no campaign yet." if exc.code == "campaign.none" else str(exc)
    return render(request, "error.html", title="Nothing to show yet", message=text, active="smelters")


@page("viewer")
async def smelters_page(request: Request, user: User) -> Response:
    """The campaign's consolidated facilities with status as of a date, filtered and sorted; names to resolve."""
    query, as_of = _query(request), _as_of(request)
    workspace = request.app.state.workspace
    try:
        found = await run_in_threadpool(smelter_list, workspace, _year(request), as_of, query)
    except ConflictMineralsError as exc:
        return _problem(request, exc)
    shown = [source.supplier for name in found.names for source in name.sources[:SOURCES_SHOWN]]
    suppliers = await run_in_threadpool(supplier_ids, workspace, shown)
    kept = {"metal": query.metal, "status": query.status, "covered": "yes" if query.covered else "",
            "cahra": "yes" if query.cahra else "", "supplier": query.supplier,
            "as_of": as_of.isoformat() if as_of else ""}  # fmt: skip
    base = "/smelters?" + urlencode({k: v for k, v in kept.items() if v})
    return render(request, "smelters.html", title="Smelters", found=found, query=query, as_of=as_of, metals=METALS,
                  buckets=BUCKETS, base=base, supplier_ids=suppliers, exclusions=EXCLUSIONS,
                  sources_shown=SOURCES_SHOWN, names_per_page=NAMES_PER_PAGE,
                  evidence_query="&as_of=" + as_of.isoformat() if as_of else "", active="smelters")  # fmt: skip


@page("viewer")
async def facility_page(request: Request, user: User) -> Response:
    """A facility: its status on the date and every supplier file and Smelter List row that names it."""
    key = request.query_params.get("key", "")[:500]
    workspace = request.app.state.workspace
    try:
        found = await run_in_threadpool(facility_evidence, workspace, key, _year(request), _as_of(request))
    except ConflictMineralsError as exc:
        if exc.code == "facility.unknown":
            return not_found(request, "No facility of this campaign has that key; it may have been re-decided.")
        return _problem(request, exc)
    suppliers = await run_in_threadpool(supplier_ids, workspace, [source.supplier for source in found.facility.sources])
    return render(request, "facility.html", title=found.facility.name, found=found, f=found.facility,
                  supplier_ids=suppliers, active="smelters")  # fmt: skip


def _text(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _asked(form: FormData) -> DecisionRequest | str:
    """The decision the form asks for, or what is wrong with the form."""
    chosen = _text(form, "action")
    if chosen not in ACTIONS:
        return "Choose whether to map, confirm or exclude the name."
    metal_text = _text(form, "metal")
    metal = parse_metal(metal_text) if metal_text else None
    if metal_text and metal is None:
        return f"Unknown metal '{metal_text}'."
    smelter_id = _text(form, "smelter_id").upper() or None
    if chosen == MAP and smelter_id is None:
        return "Give the Smelter ID (for example CID001234) to map the name to."
    exclusion = _text(form, "exclusion") or None
    return DecisionRequest(
        _text(form, "name"), metal, _text(form, "country") or None, chosen, _text(form, "reason", 2000),
        smelter_id if chosen == MAP else None, exclusion if chosen == EXCLUDE else None,
    )  # fmt: skip


@action("reviewer")
async def resolve_action(request: Request, user: User | None, form: FormData) -> Response:
    """Map a name to a Smelter ID, confirm it or exclude it, with a reason (as `smelters resolve`)."""
    assert user is not None
    asked = _asked(form)
    if isinstance(asked, str):
        flash(request, "error", asked)
        return redirect("/smelters#unmatched")
    try:
        decision = await run_in_threadpool(resolve_name, request.app.state.workspace, user.name, asked)
    except ConflictMineralsError as exc:
        hint = WEB_HINTS.get(exc.code)
        flash(request, "error", f"{exc} {hint}" if hint else str(exc))
    else:
        flash(request, "ok", f"Decision {decision.id}: '{decision.name}' {decision.describe()}, "
                             f"from campaign {decision.from_year} on.")  # fmt: skip
    return redirect("/smelters#unmatched")


@action("reviewer")
async def withdraw_action(request: Request, user: User | None, form: FormData) -> Response:
    """Withdraw a facility decision with a reason; its rows go back to what matching made of them."""
    assert user is not None
    number = request.path_params["decision_id"]
    try:
        decision = await run_in_threadpool(
            withdraw_decision, request.app.state.workspace, user.name, number, _text(form, "reason", 2000)
        )
    except ConflictMineralsError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Decision {decision.id} on '{decision.name}' withdrawn.")
    return redirect("/smelters#decisions")
