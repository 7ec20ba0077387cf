"""A program workspace: a folder with settings, a database, and the original files.

conflict-minerals.toml   settings (company profile, database URL, e-mail, campaign defaults)
workspace.db             SQLite database, unless the settings name a PostgreSQL URL
files/                   SQLite only: every supplier file received, content-addressed, never altered
outbox/                  copies of the messages to suppliers (the database holds the originals)

The database is the program's memory: parsed CMRT rows, reference data, status lists, report
runs and messages all live in it, so two workspaces pointed at one PostgreSQL database see
the same program. With PostgreSQL the originals are kept in the database too.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.changes import bump, current
from conflict_minerals.program.locate import SETTINGS_FILE, WORKSPACE_VARIABLE, find_workspace
from conflict_minerals.program.settings import Settings, load_settings, render_settings

__all__ = ["SETTINGS_FILE", "WORKSPACE_VARIABLE", "Workspace", "WorkspaceError", "find_workspace", "open_workspace"]

if TYPE_CHECKING:
    from conflict_minerals.program.refstore import DatabaseReferenceStore

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_HEAD = "0010_changes"  # the newest migration; a test checks it against the migrations folder


# The tables a campaign fills in bulk (statistics refreshed after an ingest or a report run).
GROWING_TABLES = ("requests", "submissions", "smelter_rows", "findings", "answers", "products", "mine_rows",
                  "events", "report_inputs")  # fmt: skip


class WorkspaceError(ConflictMineralsError):
    """No workspace, or one whose settings or database cannot be used."""

    default_code = "workspace.invalid"


@dataclass
class Workspace:
    """An open workspace: its folder, settings and database engine."""

    root: Path
    settings: Settings
    engine: Engine
    actor: str
    _reference: DatabaseReferenceStore | None = field(default=None, repr=False)

    @property
    def files_dir(self) -> Path:
        """Folder of the original supplier files (SQLite workspaces)."""
        return self.root / "files"

    @property
    def outbox(self) -> Path:
        """Folder where copies of messages to suppliers are written."""
        return self.root / "outbox"

    @property
    def shared_database(self) -> bool:
        """Tell whether the database is a server others share (originals are then kept in it)."""
        return self.engine.dialect.name != "sqlite"

    @property
    def reference(self) -> DatabaseReferenceStore:
        """The workspace's reference data store (in the database)."""
        from conflict_minerals.program.refstore import DatabaseReferenceStore

        if self._reference is None:
            self._reference = DatabaseReferenceStore(self)
        return self._reference

    @contextmanager
    def transaction(self, *, bookkeeping: bool = False) -> Iterator[Connection]:
        """One short write transaction: committed when the block ends, rolled back on error.

        It also bumps the change counter in the same commit (last, so that concurrent writers wait
        on its row only while committing), unless it is `bookkeeping` that changes nothing shown
        (a sign-in failure, a password rehash).
        """
        with self.engine.connect() as connection, connection.begin():
            yield connection
            if not bookkeeping:
                bump(connection)

    def change_count(self) -> int:
        """The change counter as of now: what was kept while it was the same is still true."""
        with self.read() as connection:
            return current(connection)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: never takes the write lock, so it does not block writers.

        On PostgreSQL it is a read-only snapshot (REPEATABLE READ): a report sees one state of the
        program even when an ingest commits meanwhile; SQLite's deferred transaction does the same.
        """
        connection = self.engine.connect()
        if self.shared_database:
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            connection.execution_options(cm_read=True)
        with connection, connection.begin():
            yield connection

    def refresh_statistics(self) -> None:
        """Tell the database's planner how big the program's tables grew (after a bulk ingest or a report run).

        PostgreSQL plans joins from its statistics; with autovacuum off or not yet run, a table
        of 10,000 inputs planned as 50 rows turns a 20 ms evidence query into 300 ms.
        """
        if self.shared_database:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE " + ", ".join(GROWING_TABLES)
                )
            return
        with self.transaction(bookkeeping=True) as connection:
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")  # a sample per index: milliseconds at 10,000
            connection.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def init_workspace(root: Path, settings: Settings) -> Path:
    """Create a workspace folder with its settings file; refuse to overwrite an existing one."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / SETTINGS_FILE
    if target.exists():
        raise WorkspaceError(f"{root} is already a workspace ({SETTINGS_FILE} exists).", "workspace.exists")
    for folder in ("files", "outbox"):
        (root / folder).mkdir(exist_ok=True)
    target.write_text(render_settings(settings), encoding="utf-8")
    return root


def locate_workspace(root: Path | None = None) -> Path:
    """Return the workspace folder: `root`, the environment variable, or the nearest one above here."""
    found = root or (Path(os.environ[WORKSPACE_VARIABLE]) if os.environ.get(WORKSPACE_VARIABLE) else None)
    found = found if found is not None else find_workspace(Path.cwd())
    if found is None:
        raise WorkspaceError("there is no workspace in this folder or above it.", "workspace.none")
    if not (found / SETTINGS_FILE).is_file():
        raise WorkspaceError(f"{found} is not a workspace (no {SETTINGS_FILE}).", "workspace.missing", root=str(found))
    return found


def open_workspace(root: Path | None = None, actor: str | None = None, upgrade: bool = False) -> Workspace:
    """Open a workspace; its database must be at the current schema unless `upgrade` applies the migrations."""
    found = locate_workspace(root)
    settings, problems = load_settings(found / SETTINGS_FILE)
    if problems:
        raise WorkspaceError("the settings have problems:\n  " + "\n  ".join(problems), "settings.invalid")
    engine = make_engine(database_url(found, settings))
    try:
        current = schema_revision(engine)
        if upgrade:
            migrate(engine)
        elif current != SCHEMA_HEAD:
            engine.dispose()
            raise WorkspaceError(
                "the workspace database is at an older schema "
                f"({current or 'empty'}; this version needs {SCHEMA_HEAD}); upgrade it first.",
                "workspace.schema_outdated",
                current=current,
                needed=SCHEMA_HEAD,
            )
    except DBAPIError as exc:
        engine.dispose()
        raise WorkspaceError(
            f"cannot reach the database {safe_url(engine.url)} ({_first_line(exc.orig)}).",
            "workspace.database_unreachable",
            url=safe_url(engine.url),
        ) from None
    return Workspace(found, settings, engine, actor or default_actor())


def default_actor() -> str:
    """The acting person of a command-line process: CONFLICT_MINERALS_ACTOR, else the login name."""
    if os.environ.get("CONFLICT_MINERALS_ACTOR"):
        return os.environ["CONFLICT_MINERALS_ACTOR"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["no answer"])[0][:200]


def safe_url(url: URL) -> str:
    """Render a database URL without its password."""
    return url.render_as_string(hide_password=True)


def database_url(root: Path, settings: Settings) -> URL:
    """The database URL of a workspace; a SQLite file is always built from a path inside the workspace."""
    if not settings.database_url:
        return URL.create("sqlite+pysqlite", database=str(root / "workspace.db"))
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise WorkspaceError("the database URL in the settings cannot be parsed.", "settings.database_url") from None
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "workspace.db")
        return URL.create("sqlite+pysqlite", database=str(path if path.is_absolute() else root / path))
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(url: URL | str) -> Engine:
    """Create the engine for a SQLite or PostgreSQL URL, set up for safe concurrent writers."""
    url = make_url(url) if isinstance(url, str) else url
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against corruption, fast commits
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # Writers take the lock at the start, so two ingests queue instead of failing midway;
        # readers never take it, so a report does not block an ingest.
        read = connection.get_execution_options().get("cm_read")
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def schema_revision(engine: Engine) -> str | None:
    """Return the database's migration revision, or None for an empty database."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, target: str = "head") -> str | None:
    """Apply every pending named migration; return the revision the database was at before."""
    from alembic import command
    from alembic.config import Config

    before = schema_revision(engine)
    if target == "head" and before == SCHEMA_HEAD:
        return before
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
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
    return before
