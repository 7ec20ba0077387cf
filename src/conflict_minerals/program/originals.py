"""The original supplier files: content-addressed, immutable, kept for audit and for `reprocess`.

SQLite workspaces keep them under `files/`; a workspace on a shared database (PostgreSQL)
keeps them in the database, so every user and machine of the workspace has them.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, insert, select

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.schema import file_contents, files
from conflict_minerals.program.workspace import Workspace

IN_DATABASE = "database:"
SUFFIXES = (".xlsx", ".xlsm", ".xls")


class OriginalMissingError(ConflictMineralsError):
    """An original file the database names cannot be found."""

    default_code = "original.missing"


def stored_name(sha: str, suffix: str) -> str:
    """The relative path of an original under the workspace's files folder."""
    return f"files/{sha[:2]}/{sha}{suffix if suffix in SUFFIXES else '.bin'}"


def keep_on_disk(workspace: Workspace, sha: str, suffix: str, data: bytes) -> str:
    """Write an original under files/ atomically (before its database row; never changed afterwards)."""
    relative = stored_name(sha, suffix)
    target = workspace.root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".partial") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(handle.name).replace(target)
    return relative


def keep_in_database(connection: Connection, sha: str, data: bytes) -> str:
    """Store an original's bytes in the database, inside the caller's transaction."""
    if connection.execute(select(file_contents.c.sha256).where(file_contents.c.sha256 == sha)).first() is None:
        connection.execute(insert(file_contents).values(sha256=sha, content=data))
    return IN_DATABASE + sha


def read_original(workspace: Workspace, sha: str) -> bytes:
    """Return the bytes of an original file."""
    with workspace.read() as connection:
        stored: str | None = connection.execute(select(files.c.stored_path).where(files.c.sha256 == sha)).scalar()
        if stored is not None and stored.startswith(IN_DATABASE):
            content = connection.execute(select(file_contents.c.content).where(file_contents.c.sha256 == sha)).scalar()
            if content is None:
                raise OriginalMissingError(f"the original {sha[:12]} is missing from the database.", sha=sha)
            return bytes(content)
    if stored is None:
        raise OriginalMissingError(f"no original file {sha[:12]} in this workspace.", sha=sha)
    try:
        return (workspace.root / stored).read_bytes()
    except OSError:
        raise OriginalMissingError(
            f"the original {stored} is missing from this workspace's files folder.", sha=sha
        ) from None


def clean_partials(workspace: Workspace, older_than: float = 3600.0) -> int:
    """Remove temporary files an interrupted run left behind; return how many.

    Only old ones: a second ingest running right now may be writing its own.
    """
    removed = 0
    limit = time.time() - older_than
    for partial in workspace.files_dir.glob("*/*.partial"):
        try:
            if partial.stat().st_mtime < limit:
                partial.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed
