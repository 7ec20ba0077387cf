"""What a reviewer does on a supplier's page: decisions, waivers, correction requests; reminders for all."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.users import User
from conflict_minerals.service.outreach import Outreach, request_corrections, send_reminders
from conflict_minerals.service.program import decide, waive
from conflict_minerals.service.suppliers import supplier_name
from conflict_minerals.web.guard import action
from conflict_minerals.web.render import flash, not_found, redirect, render

PREVIEWED = 200  # planned letters listed before a reviewer confirms; the count says how many there are

# What to do next, per error code (the CLI's hints name flags; these name what is on the page).
WEB_HINTS = {
    "decision.open_errors": "Request a correction, waive the findings with a reason, or tick “accept despite "
    "open errors” and give a reason.",
    "decision.reason_needed": "Give a reason.",
    "message.no_sender": "Set the company contact e-mail in conflict-minerals.toml.",
}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _failed(request: Request, exc: ConflictMineralsError) -> None:
    hint = WEB_HINTS.get(exc.code)
    flash(request, "error", f"{exc} {hint}" if hint else str(exc))


async def _supplier(request: Request) -> str | None:
    try:
        return await run_in_threadpool(supplier_name, request.app.state.workspace, request.path_params["supplier_id"])
    except ConflictMineralsError:
        return None


@action("reviewer")
async def decide_action(request: Request, user: User | None, form: FormData) -> Response:
    """Accept, reject, escalate or mark not applicable a supplier's current template, with a reason."""
    assert user is not None
    name = await _supplier(request)
    if name is None:
        return not_found(request, "There is no such supplier.")
    decision, template = _text(form, "decision"), _text(form, "template") or "CMRT"
    shown = _text(form, f"version_{template}")  # the version on the page: a newer one is not accepted unseen
    try:
        await run_in_threadpool(
            decide, request.app.state.workspace, user.name, decision, name, _text(form, "reason") or None,
            despite_findings=_text(form, "despite") == "yes", template=template,
            version=int(shown) if shown.isdigit() and len(shown) < 7 else None,
        )  # fmt: skip
    except ConflictMineralsError as exc:
        _failed(request, exc)
    else:
        flash(request, "ok", f"{template} of {name}: {decision} recorded.")
    return redirect(f"/suppliers/{request.path_params['supplier_id']}")


@action("reviewer")
async def waive_action(request: Request, user: User | None, form: FormData) -> Response:
    """Waive a finding (by code and cell) of a supplier's current template, with a reason."""
    assert user is not None
    name = await _supplier(request)
    if name is None:
        return not_found(request, "There is no such supplier.")
    code, cell = _text(form, "code"), _text(form, "cell") or None
    try:
        count = await run_in_threadpool(
            waive, request.app.state.workspace, user.name, name, code, cell, _text(form, "reason"),
            template=_text(form, "template") or "CMRT",
        )  # fmt: skip
    except ConflictMineralsError as exc:
        _failed(request, exc)
    else:
        flash(request, "ok", f"{count} finding(s) {code} waived.")
    return redirect(f"/suppliers/{request.path_params['supplier_id']}")


async def _write_to_supplier(
    request: Request, write: Callable[[str], Outreach], written: Callable[[str, Outreach], str], nothing: str
) -> Response:
    """Write letters to the page's supplier; say what was written, skipped, or that there was nothing to write."""
    name = await _supplier(request)
    if name is None:
        return not_found(request, "There is no such supplier.")
    try:
        result = await run_in_threadpool(write, name)
    except ConflictMineralsError as exc:
        _failed(request, exc)
    else:
        for skipped in result.skipped:
            flash(request, "error", skipped)
        if result.written:
            flash(request, "ok", written(name, result))
        elif not result.skipped:
            flash(request, "error", nothing)
    return redirect(f"/suppliers/{request.path_params['supplier_id']}")


@action("reviewer")
async def correction_action(request: Request, user: User | None, form: FormData) -> Response:
    """Write a correction request to the supplier (open errors, and warnings when asked)."""
    assert user is not None
    warnings = _text(form, "warnings") == "yes"
    return await _write_to_supplier(
        request,
        lambda name: request_corrections(request.app.state.workspace, user.name, supplier=name,
                                         include_warnings=warnings),
        lambda name, result: f"Correction request written to {name} ({len(result.written)} message(s)).",
        "Nothing to correct: there are no open findings to ask about.",
    )  # fmt: skip


@action("reviewer")
async def remind_supplier_action(request: Request, user: User | None, form: FormData) -> Response:
    """Remind one supplier now (or escalate after the last reminder), once its due date has passed."""
    assert user is not None
    return await _write_to_supplier(
        request,
        lambda name: send_reminders(request.app.state.workspace, user.name, supplier=name),
        lambda name, result: (
            f"Written to {name}: {', '.join(w.kind for w in result.written)}. It is in the outbox until sent."
        ),
        "No reminder written: nothing outstanding is past its due date (or it was escalated).",
    )


@action("reviewer")
async def remind_action(request: Request, user: User | None, form: FormData) -> Response:
    """Show who would be reminded or escalated (nothing written); with `confirm`, write those letters."""
    assert user is not None
    workspace = request.app.state.workspace
    confirmed = _text(form, "confirm") == "yes"
    try:
        result = await run_in_threadpool(lambda: send_reminders(workspace, user.name, dry_run=not confirmed))
    except ConflictMineralsError as exc:
        _failed(request, exc)
        return redirect("/suppliers")
    if not confirmed:
        return render(request, "remind_preview.html", title="Reminders to write", result=result,
                      shown=result.planned[:PREVIEWED], active="suppliers")  # fmt: skip
    flash(request, "ok", f"{len(result.written)} letter(s) written; {result.overdue} request(s) set to no response.")
    for skipped in result.skipped:
        flash(request, "error", skipped)
    return redirect("/suppliers")
