"""A program workspace: a folder with settings, a database, the original files and reference data.

conflict-minerals.toml   settings (company profile, database URL, e-mail, campaign defaults)
workspace.db             SQLite database, unless the settings name a PostgreSQL URL
files/                   every supplier file received, content-addressed, never altered
reference/               imported RMI look-up revisions, status lists, the CAHRA list
outbox/                  correction requests and reminders written for suppliers
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.settings import SETTINGS_FILE, Settings, load_settings, render_settings
from conflict_minerals.reference.store import ReferenceStore

WORKSPACE_VARIABLE = "CONFLICT_MINERALS_WORKSPACE"
MIGRATIONS = Path(__file__).parent / "migrations"


class WorkspaceError(ConflictMineralsError):
    """No workspace, or one whose settings or database cannot be used."""


@dataclass
class Workspace:
    """An open workspace: its folder, settings and database engine."""

    root: Path
    settings: Settings
    engine: Engine
    actor: str

    @property
    def files_dir(self) -> Path:
        """Folder of the original supplier files."""
        return self.root / "files"

    @property
    def outbox(self) -> Path:
        """Folder where messages to suppliers are written."""
        return self.root / "outbox"

    @property
    def reference(self) -> ReferenceStore:
        """The workspace's reference data store."""
        return ReferenceStore(self.root / "reference")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One database transaction: committed when the block ends, rolled back on error."""
        with self.engine.begin() as connection:
            yield connection

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def find_workspace(start: Path) -> Path | None:
    """Return the nearest folder at or above `start` that holds a settings file."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def init_workspace(root: Path, settings: Settings) -> Path:
    """Create a workspace folder with its settings file; refuse to overwrite an existing one."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / SETTINGS_FILE
    if target.exists():
        raise WorkspaceError(f"{root} is already a workspace ({SETTINGS_FILE} exists).")
    for folder in ("files", "reference", "outbox"):
        (root / folder).mkdir(exist_ok=True)
    target.write_text(render_settings(settings), encoding="utf-8")
    return root


def open_workspace(root: Path | None = None, actor: str | None = None) -> Workspace:
    """Open the workspace at `root` (or found from the current folder) and bring its database up to date."""
    found = root or (Path(os.environ[WORKSPACE_VARIABLE]) if os.environ.get(WORKSPACE_VARIABLE) else None)
    found = found if found is not None else find_workspace(Path.cwd())
    if found is None or not (found / SETTINGS_FILE).is_file():
        raise WorkspaceError(
            "no workspace here; run `conflict-minerals init DIR` or give --workspace DIR."
            if root is None
            else f"{root} is not a workspace (no {SETTINGS_FILE}); run `conflict-minerals init {root}`."
        )
    settings, problems = load_settings(found / SETTINGS_FILE)
    if problems:
        raise WorkspaceError("the settings have problems:\n  " + "\n  ".join(problems))
    engine = make_engine(settings.database_url or f"sqlite:///{found / 'workspace.db'}")
    migrate(engine)
    return Workspace(found, settings, engine, actor or os.environ.get("CONFLICT_MINERALS_ACTOR") or _user())


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def make_engine(url: str) -> Engine:
    """Create the engine for a SQLite or PostgreSQL URL, set up for safe concurrent writers."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # Take the write lock at the start, so two ingests queue instead of failing midway.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine, target: str = "head") -> None:
    """Apply every pending named migration (nothing to do is the common, fast case)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if target == "head" and MigrationContext.configure(connection).get_current_revision() == head:
            return
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite rebuilds a table to alter it; foreign keys must be off meanwhile (outside a transaction).
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, target)
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
