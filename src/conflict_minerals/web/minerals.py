"""The extended-minerals summary page: per mineral, suppliers answering, facilities by status and countries."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.users import User
from conflict_minerals.service.minerals import extended_summary
from conflict_minerals.web.guard import page
from conflict_minerals.web.render import render


@page("viewer")
async def minerals_page(request: Request, user: User) -> Response:
    """The summary of the campaign's EMRT, CRT and AMRT answers (as `minerals` prints it), per mineral."""
    text = request.query_params.get("campaign", "")
    year = int(text) if text.isdigit() and len(text) == 4 else None
    try:
        summary = await run_in_threadpool(extended_summary, request.app.state.workspace, year)
    except ConflictMineralsError as exc:
        return render(request, "error.html", title="Nothing to show yet", message=str(exc), active="dashboard")
    return render(request, "minerals.html", title="Extended minerals", summary=summary, active="dashboard")
