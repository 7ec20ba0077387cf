"""`conflict-minerals migrate`: bring a workspace to this version's schema and fill what the new schema keeps."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, or_, select

from conflict_minerals.program.documents import READER_VERSION
from conflict_minerals.program.locate import SETTINGS_FILE
from conflict_minerals.program.reprocess import reprocess
from conflict_minerals.program.schema import submissions
from conflict_minerals.program.settings import load_settings
from conflict_minerals.program.workspace import (
    SCHEMA_HEAD,
    Workspace,
    database_url,
    locate_workspace,
    make_engine,
    open_workspace,
    schema_revision,
)


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """What an upgrade did."""

    before: str | None
    after: str
    reprocessed: int
    imported: int
    failed: tuple[str, ...] = ()  # files whose rows could not be derived (their originals cannot be read)
    moved_originals: int = 0


def upgrade_workspace(root: Path | None) -> UpgradeResult:
    """Apply pending migrations, parse stored files that have no rows yet (or extended files an older reader
    derived), and move legacy reference files in."""
    found = locate_workspace(root)
    settings, _ = load_settings(found / SETTINGS_FILE)
    engine = make_engine(database_url(found, settings))
    try:
        before = schema_revision(engine)
    finally:
        engine.dispose()
    workspace = open_workspace(found, upgrade=True)
    try:
        with workspace.read() as connection:
            stale = and_(
                submissions.c.template_type.is_not(None),
                submissions.c.template_type != "CMRT",
                or_(submissions.c.reader_version.is_(None), submissions.c.reader_version != READER_VERSION),
            )  # the extended readers' keys changed; a CMRT's rows stay as they were derived
            query = select(submissions.c.id).where(
                submissions.c.readable.is_(True), or_(submissions.c.parsed_at.is_(None), stale)
            )
            pending = [row.id for row in connection.execute(query)]
        moved = _originals_into_database(workspace) if workspace.shared_database else 0
        changes = reprocess(workspace, pending) if pending else []
        failed = tuple(f"{c.file}: {c.error}" for c in changes if c.error)
        imported = _import_legacy_reference(workspace)
    finally:
        workspace.close()
    return UpgradeResult(before, SCHEMA_HEAD, len(changes) - len(failed), imported, failed, moved)


def _originals_into_database(workspace: Workspace) -> int:
    """A shared workspace keeps its originals in the database: move in those an older version left in files/."""
    from conflict_minerals.program.originals import IN_DATABASE, keep_in_database
    from conflict_minerals.program.schema import files

    with workspace.read() as connection:
        rows = connection.execute(
            select(files.c.sha256, files.c.stored_path).where(files.c.stored_path.not_like(f"{IN_DATABASE}%"))
        ).all()
    moved = 0
    for sha, stored in rows:
        path = workspace.root / stored
        if not path.is_file():
            continue  # on another machine's disk: reprocess reports it as missing
        data = path.read_bytes()
        with workspace.transaction() as connection:
            keep_in_database(connection, sha, data)
            connection.execute(files.update().where(files.c.sha256 == sha).values(stored_path=IN_DATABASE + sha))
        moved += 1
    return moved


def _import_legacy_reference(workspace: Workspace) -> int:
    """Status lists and the CAHRA list kept as files by earlier versions move into the database.

    Look-up revisions stay behind: earlier versions also kept suppliers' own look-ups there,
    which are not trusted; every public revision is bundled with the package instead.
    """
    from conflict_minerals.reference.store import ReferenceStore

    folder = workspace.root / "reference"
    if not folder.is_dir():
        return 0
    legacy = ReferenceStore(folder)
    store = workspace.reference
    count = sum(1 for snapshot in legacy.status_snapshots() if store.add_status(snapshot))
    cahra_file = folder / "cahra.json"
    if cahra_file.exists() and store.cahra() is None:
        data = json.loads(cahra_file.read_text(encoding="utf-8"))
        store.set_cahra(list(data["countries"]), data.get("source", "cahra.json"))
        count += 1
    return count
