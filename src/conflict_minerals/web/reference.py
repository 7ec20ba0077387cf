"""The Reference page: look-ups, status lists and CAHRA list in use; admins import (after a preview) or remove."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.refremove import KINDS
from conflict_minerals.program.users import User
from conflict_minerals.service.program import imported_reference, remove_reference
from conflict_minerals.service.reference import (
    import_lookup,
    preview_status_list,
    reference_overview,
    store_status_list,
)
from conflict_minerals.web.guard import action, page
from conflict_minerals.web.render import flash, redirect, render
from conflict_minerals.web.upload import safe_name, save_upload

MAX_REFERENCE_BYTES = 20 * 1024 * 1024  # RMI's blank templates and status lists are a few MB
STAGED = Path(tempfile.gettempdir()) / "cm-staged-status-lists"
STAGED_HOURS = 2
LIST_KINDS = ("conformant", "active")
CHUNK = 1024 * 1024


@page("viewer")
async def reference_page(request: Request, user: User) -> Response:
    """Look-up revisions, status lists and the CAHRA list in use; the import and removal forms for admins."""
    workspace = request.app.state.workspace
    overview = await run_in_threadpool(reference_overview, workspace)
    imported = await run_in_threadpool(imported_reference, workspace)
    return render(request, "reference.html", title="Reference data", overview=overview, imported=imported,
                  kinds=LIST_KINDS, active="reference")  # fmt: skip


async def _saved(form: FormData, folder: Path) -> Path | str:
    """Save the form's one upload under `folder`; or say why not (none chosen, too large)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return "Choose a file to upload."
    target = folder / safe_name(upload.filename, 0)
    if not await save_upload(upload, target, MAX_REFERENCE_BYTES):
        return f"The file is larger than {MAX_REFERENCE_BYTES // (1024 * 1024)} MB; nothing was read or kept."
    return target


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:2000] if isinstance(value, str) else ""


def _sweep() -> None:
    """Remove staged lists nobody confirmed within a few hours."""
    cutoff = time.time() - STAGED_HOURS * 3600
    for folder in STAGED.glob("*") if STAGED.is_dir() else ():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


@action("admin", max_files=1)
async def status_upload(request: Request, user: User | None, form: FormData) -> Response:
    """Read an uploaded status list and show the date it will be used with; nothing is kept until confirmed."""
    assert user is not None
    await run_in_threadpool(_sweep)
    token = secrets.token_urlsafe(16)
    folder = STAGED / token
    folder.mkdir(parents=True, mode=0o700)
    saved = await _saved(form, folder)
    kind = _text(form, "list_kind") if _text(form, "list_kind") in LIST_KINDS else None
    mineral = _text(form, "mineral")[:40] or None
    try:
        if isinstance(saved, str):
            raise ConflictMineralsError(saved)
        preview = await run_in_threadpool(preview_status_list, saved, kind, None, mineral)
    except ConflictMineralsError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        flash(request, "error", str(exc))
        return redirect("/reference")
    staged = {"token": token, "file": saved.name, "kind": kind, "mineral": mineral,
              "as_of": preview.snapshot.as_of.isoformat(), "sha256": preview.snapshot.sha256}  # fmt: skip
    request.session["staged_status"] = staged
    return render(request, "reference_preview.html", title="Confirm the status list", preview=preview,
                  staged=staged, active="reference")  # fmt: skip


@action("admin")
async def status_confirm(request: Request, user: User | None, form: FormData) -> Response:
    """Keep the status list previewed in this session, with the date shown (audited with the user)."""
    assert user is not None
    staged = request.session.pop("staged_status", None)
    if not isinstance(staged, dict) or staged.get("token") != _text(form, "token"):
        flash(request, "error", "There is no status list waiting to be confirmed; upload it again.")
        return redirect("/reference")
    folder = STAGED / str(staged["token"])
    path = folder / str(staged["file"])
    if _text(form, "decision") != "store":
        shutil.rmtree(folder, ignore_errors=True)
        flash(request, "ok", "The status list was not kept.")
        return redirect("/reference")
    try:
        as_of = dt.date.fromisoformat(str(staged["as_of"]))
        preview = await run_in_threadpool(preview_status_list, path, staged["kind"], as_of, staged["mineral"])
        if preview.snapshot.sha256 != staged["sha256"]:
            raise ConflictMineralsError("The staged file changed since the preview; upload it again.")
        snapshot = preview.snapshot
        added = await run_in_threadpool(store_status_list, request.app.state.workspace, user.name, snapshot)
    except (ConflictMineralsError, OSError) as exc:
        flash(request, "error", str(exc))
        return redirect("/reference")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    kept = f"Status list {staged['file']} kept, used as of {as_of.isoformat()} ({len(snapshot.entries)} facilities)."
    flash(request, "ok", kept if added else "This list was already kept; nothing changed.")
    return redirect("/reference")


@action("admin", max_files=1)
async def lookup_upload(request: Request, user: User | None, form: FormData) -> Response:
    """Import the Smelter Look-up of an uploaded blank RMI template (never a supplier's file); audited."""
    assert user is not None
    with tempfile.TemporaryDirectory(prefix="cm-lookup-") as folder:
        saved = await _saved(form, Path(folder))
        try:
            if isinstance(saved, str):
                raise ConflictMineralsError(saved)
            found = await run_in_threadpool(import_lookup, request.app.state.workspace, user.name, saved)
        except ConflictMineralsError as exc:
            flash(request, "error", str(exc))
            return redirect("/reference")
    listed = f", list as of {found.list_date.isoformat()}" if found.list_date else ""
    state = "imported" if found.added else "already known; nothing changed"
    flash(request, "ok", f"{found.label}{listed}: {found.rows} look-up rows ({state}).")
    return redirect("/reference")


@action("admin")
async def remove_action(request: Request, user: User | None, form: FormData) -> Response:
    """Remove a wrong import with a reason (audited); stored report runs keep what they used."""
    assert user is not None
    kind, _, number = _text(form, "item").partition(":")
    if kind not in KINDS or not number.isdigit():
        flash(request, "error", "Choose an imported item to remove.")
        return redirect("/reference")
    try:
        removed = await run_in_threadpool(
            remove_reference, request.app.state.workspace, user.name, kind, int(number), _text(form, "reason")
        )
    except ConflictMineralsError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Removed {removed.kind} {removed.id}: {removed.description}.")
    return redirect("/reference")
