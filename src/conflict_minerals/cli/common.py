"""Helpers shared by the CLI modules: errors, the workspace in use, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.settings import SETTINGS_FILE
from conflict_minerals.program.workspace import WORKSPACE_VARIABLE, Workspace, find_workspace, open_workspace
from conflict_minerals.reference.store import ReferenceStore

EXIT_FINDINGS = 1
EXIT_ERROR = 2


def fail(message: str) -> NoReturn:
    """Print a one-line error on stderr and exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def echo_json(data: Any) -> None:
    """Print data as indented JSON."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def workspace_root() -> Path | None:
    """Return the workspace folder given with --workspace, the environment, or found from here."""
    context = click.get_current_context(silent=True)
    given = context.find_root().params.get("workspace") if context else None
    if given:
        return Path(given)
    if os.environ.get(WORKSPACE_VARIABLE):
        return Path(os.environ[WORKSPACE_VARIABLE])
    return find_workspace(Path.cwd())


@contextmanager
def workspace() -> Iterator[Workspace]:
    """Open the workspace in use; errors become one clear line."""
    root = workspace_root()
    try:
        opened = open_workspace(root)
    except ConflictMineralsError as exc:
        fail(str(exc))
    try:
        yield opened
    except ConflictMineralsError as exc:
        fail(str(exc))
    finally:
        opened.close()


def reference_store() -> ReferenceStore:
    """The reference store: the workspace's when inside one, otherwise the per-user one."""
    root = workspace_root()
    if root is not None and (root / SETTINGS_FILE).is_file():
        return ReferenceStore(root / "reference")
    return ReferenceStore()


class DefaultGroup(click.Group):
    """A group that runs its default command when the first argument is not a subcommand."""

    default_command = "consolidate"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert the default command name unless a subcommand or help was asked for."""
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)
