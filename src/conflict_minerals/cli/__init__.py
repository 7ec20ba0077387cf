"""The `conflict-minerals` command: a thin layer over the library."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from conflict_minerals import __version__
from conflict_minerals.cli.program import COMMANDS as PROGRAM_COMMANDS
from conflict_minerals.cli.report import export_cmrt, report
from conflict_minerals.cli.smelters import refdata, smelters
from conflict_minerals.cmrt.batch import read_many
from conflict_minerals.inspection import document_to_json, has_errors, summary_lines

EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conflict-minerals")
@click.option("--workspace", type=click.Path(file_okay=False), help="Workspace folder (default: found from here).")
def cli(workspace: str | None) -> None:
    """Run a conflict-minerals (3TG) compliance program: read CMRTs, review, consolidate, report."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (an array for several).")
def inspect(files: tuple[Path, ...], as_json: bool) -> None:
    """Read supplier CMRT files and show what they declare and what is wrong with them.

    Exit status: 0 all read without errors, 1 files read but with error findings,
    2 a file could not be read at all.
    """
    objects: list[dict[str, Any]] = []
    unreadable = False
    errors = False
    documents = []
    for result in read_many(list(files)):
        if result.error is not None:
            unreadable = True
            click.echo(f"error: {result.error}", err=True)
            continue
        assert result.document is not None
        documents.append(result.document)
        errors = errors or has_errors(result.document)
        if as_json:
            objects.append(document_to_json(result.document))
        else:
            click.echo("\n".join(summary_lines(result.document)) + "\n")
    if as_json and objects:
        payload: Any = objects[0] if len(files) == 1 else objects
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    sys.exit(EXIT_UNREADABLE if unreadable else EXIT_FINDINGS if errors else 0)


cli.add_command(refdata)
cli.add_command(smelters)
for _command in PROGRAM_COMMANDS:
    cli.add_command(_command)
cli.add_command(report)
cli.add_command(export_cmrt)


def main() -> None:
    """Entry point of the console script; no traceback ever reaches the user."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last resort: a bug must not show a user a traceback
        if os.environ.get("CONFLICT_MINERALS_DEBUG"):
            raise
        click.echo(
            f"error: unexpected problem ({type(exc).__name__}: {exc}). Nothing was half-written: each "
            "step runs in a transaction. Set CONFLICT_MINERALS_DEBUG=1 for details and report it.",
            err=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
