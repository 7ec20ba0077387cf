"""`conflict-minerals inspect`: read supplier CMRTs and show them; never touches a workspace or database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

EXIT_FINDINGS = 1
EXIT_UNREADABLE = 2


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (an array for several).")
def inspect(files: tuple[Path, ...], as_json: bool) -> None:
    """Read supplier CMRT files (and EMRT, CRT, AMRT) and show what they declare and what is wrong with them.

    Exit status: 0 all read without errors, 1 files read but with error findings,
    2 a file could not be read at all.
    """
    from conflict_minerals.cmrt.batch import read_many
    from conflict_minerals.inspection import document_to_json, summary_lines
    from conflict_minerals.inspection_extended import extended_summary, extended_to_json
    from conflict_minerals.model import ExtendedDocument, Severity

    objects: list[dict[str, Any]] = []
    unreadable = False
    errors = False
    for result in read_many(list(files)):
        if result.error is not None:
            unreadable = True
            click.echo(f"error: {result.error}", err=True)
            continue
        document = result.document
        assert document is not None
        errors = errors or any(f.severity is Severity.ERROR for f in document.findings)
        if as_json:
            shown = extended_to_json(document) if isinstance(document, ExtendedDocument) else document_to_json(document)
            objects.append(shown)
        else:
            lines = extended_summary(document) if isinstance(document, ExtendedDocument) else summary_lines(document)
            click.echo("\n".join(lines) + "\n")
    if as_json and objects:
        payload: Any = objects[0] if len(files) == 1 else objects
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    sys.exit(EXIT_UNREADABLE if unreadable else EXIT_FINDINGS if errors else 0)
