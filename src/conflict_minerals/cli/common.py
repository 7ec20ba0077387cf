"""Helpers shared by the CLI modules: errors, the workspace in use, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.locate import SETTINGS_FILE, WORKSPACE_VARIABLE, find_workspace

if TYPE_CHECKING:
    from conflict_minerals.program.workspace import Workspace
    from conflict_minerals.reference.store import ReferenceStore

RECORD_ID = click.IntRange(1, 2**63 - 1)  # a stored record's number: a database integer
EXIT_FINDINGS = 1
EXIT_ERROR = 2


# What to type next, per error code: the library's messages name no command-line flag.
HINTS = {
    "workspace.none": "run `conflict-minerals init DIR`, or give --workspace DIR",
    "workspace.missing": "run `conflict-minerals init {root}`",
    "workspace.schema_outdated": "run `conflict-minerals migrate` to upgrade it",
    "campaign.none": "start one with `conflict-minerals campaign start YEAR`",
    "supplier.unknown": "see `conflict-minerals suppliers list`, or add it with `conflict-minerals suppliers add`",
    "decision.open_errors": "request a correction, waive them with a reason, or accept with --despite-findings "
    "and --reason",
    "decision.reason_needed": "give --reason",
    "message.not_smtp": 'set [email] mode = "smtp" and smtp_host in conflict-minerals.toml',
    "status.no_kind": "give --list conformant or --list active",
    "filing.no_period": "give --period YEAR",
    "template.missing": "import RMI's blank workbook with `conflict-minerals refdata import-template "
    "RMI_{template_type}_<revision>.xlsx`, or give --template FILE",
}


def fail(message: str) -> NoReturn:
    """Print a one-line error on stderr and exit 2 (names from files made neutral for the terminal)."""
    from conflict_minerals.neutral import terminal_text

    click.echo("\n".join(terminal_text(line) for line in f"error: {message}".split("\n")), err=True)
    sys.exit(EXIT_ERROR)


def fail_with(error: ConflictMineralsError) -> NoReturn:
    """Print a library error with the command-line hint for its code, and exit 2."""
    hint = HINTS.get(error.code)
    text = str(error)
    if hint:
        text = f"{text.rstrip('.')}; {hint.format(**error.params)}."
    fail(text)


def print_findings(findings: list[dict[str, str]], err: bool, limit: int = 40) -> None:
    """Print check findings ({code, severity, message, location}) a line each, neutral for the terminal."""
    from conflict_minerals.neutral import terminal_text

    for item in findings[:limit]:
        line = f"  {item['severity'].upper():<8} {item['code']}  {item['location']}: {item['message']}"
        click.echo(terminal_text(line), err=err)
    if len(findings) > limit:
        click.echo(f"  ... and {len(findings) - limit} more", err=err)


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
    from conflict_minerals.program.workspace import open_workspace

    root = workspace_root()
    try:
        opened = open_workspace(root)
    except ConflictMineralsError as exc:
        fail_with(exc)
    try:
        yield opened
    except ConflictMineralsError as exc:
        fail_with(exc)
    finally:
        opened.close()


def in_workspace() -> bool:
    """Tell whether a command runs inside a workspace."""
    root = workspace_root()
    return root is not None and (root / SETTINGS_FILE).is_file()


def reference_store() -> ReferenceStore:
    """The per-user reference store, used outside a workspace."""
    from conflict_minerals.reference.store import ReferenceStore

    return ReferenceStore()


@contextmanager
def reference() -> Iterator[Any]:
    """The reference data in use: the workspace's (in its database) inside one, else the per-user folder."""
    if in_workspace():
        with workspace() as opened:
            yield opened.reference
    else:
        yield reference_store()


class DefaultGroup(click.Group):
    """A group that runs its default command when the first argument is not a subcommand."""

    default_command = "consolidate"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert the default command name unless a subcommand or help was asked for."""
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Show the default command's own options too: they are what the group runs when given no command."""
        default = self.commands.get(self.default_command)
        if default is not None:
            options = [p for p in default.get_params(ctx) if isinstance(p, click.Option)]
            records = [r for p in options if (r := p.get_help_record(ctx)) and "--help" not in r[0]]
            with formatter.section("Options"):
                formatter.write_dl([*records, ("-h, --help", "Show this message and exit.")])
        self.format_commands(ctx, formatter)
