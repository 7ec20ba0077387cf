"""Upload of supplier files, read through the same hostile-file path as `ingest`; assignment of unassigned files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.neutral import terminal_text
from conflict_minerals.program.ingest import MAX_FILE_BYTES, IngestOutcome, ingest_files
from conflict_minerals.program.users import User
from conflict_minerals.service.program import assign, discard, unassigned
from conflict_minerals.web.guard import MAX_UPLOAD_FILES, action, page
from conflict_minerals.web.render import flash, redirect, render

CHUNK = 1024 * 1024


def safe_name(given: str | None, index: int) -> str:
    """A plain file name from what the browser sent: no folders, no control characters, bounded."""
    base = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = terminal_text(base).strip().lstrip(".")[:200]
    return base or f"upload-{index}.xlsx"


async def save_upload(upload: UploadFile, target: Path, limit: int | None = None) -> bool:
    """Copy an upload to `target`; False (and nothing kept) when it is larger than `limit` (default: the reader's)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        target.unlink()
        return False
    return True


async def _context(request: Request) -> dict[str, Any]:
    workspace = request.app.state.workspace
    try:
        year, files = await run_in_threadpool(unassigned, workspace)
    except ConflictMineralsError as exc:
        return {"unassigned": [], "problem": str(exc)}
    return {"unassigned": files, "problem": "", "year": year}


@page("viewer")
async def upload_page(request: Request, user: User) -> Response:
    """The upload form and the unassigned files with a form to assign each."""
    context = await _context(request)
    return render(
        request, "upload.html", title="Upload", outcomes=[], limit=MAX_UPLOAD_FILES, active="upload", **context
    )


@action("reviewer", max_files=MAX_UPLOAD_FILES)
async def upload(request: Request, user: User | None, form: FormData) -> Response:
    """Ingest the uploaded files (saved to a temporary folder first); show what happened to each."""
    assert user is not None
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    outcomes: list[IngestOutcome] = []
    if not files:
        flash(request, "error", "Choose one or more spreadsheet files (.xlsx, .xlsm, .xls) to upload.")
        return redirect("/upload")
    with tempfile.TemporaryDirectory(prefix="cm-upload-") as folder:
        paths = []
        for index, upload_file in enumerate(files):
            target = Path(folder) / str(index) / safe_name(upload_file.filename, index)
            target.parent.mkdir()
            if await save_upload(upload_file, target):
                paths.append(target)
            else:
                limit = MAX_FILE_BYTES // (1024 * 1024)
                outcomes.append(IngestOutcome(target.name, "unreadable", None, None, None, 0, 0,
                                              f"larger than {limit} MB; not read or kept"))  # fmt: skip
        try:
            outcomes += await run_in_threadpool(
                ingest_files, request.app.state.workspace, paths, None, None, None, 1, user.name
            )
        except ConflictMineralsError as exc:
            flash(request, "error", str(exc))
            return redirect("/upload")
    context = await _context(request)
    shown = [(Path(o.path).name, o) for o in outcomes]
    return render(request, "upload.html", title="Upload", outcomes=shown, limit=MAX_UPLOAD_FILES, active="upload",
                  **context)  # fmt: skip


@action("reviewer")
async def assign_action(request: Request, user: User | None, form: FormData) -> Response:
    """File an unassigned submission under the chosen supplier."""
    assert user is not None
    supplier = form.get("supplier")
    submission = request.path_params["submission"]
    try:
        await run_in_threadpool(assign, request.app.state.workspace, user.name, submission, str(supplier or ""))
    except ConflictMineralsError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Submission {submission} assigned to {supplier}.")
    return redirect("/upload")


@action("reviewer")
async def discard_action(request: Request, user: User | None, form: FormData) -> Response:
    """Set aside an unassigned or unreadable file with a reason (the original is kept; audited)."""
    assert user is not None
    reason = form.get("reason")
    submission = request.path_params["submission"]
    text = reason.strip()[:2000] if isinstance(reason, str) else ""  # a file posted in its place is no reason
    try:
        name = await run_in_threadpool(discard, request.app.state.workspace, user.name, submission, text)
    except ConflictMineralsError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"{name} set aside; it stays in the workspace and the audit trail.")
    return redirect("/upload")
