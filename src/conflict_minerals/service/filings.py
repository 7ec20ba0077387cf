"""Filings as the CLI and the web ask for them: check one before it goes out, import last year's.

`check_period` checks our own report for a period as it would be written; `check_file` checks any
filing as EDGAR serves it. `import_filing` reads a filed Form SD / Conflict Minerals Report,
matches its annex to RMI's Smelter IDs and, inside a workspace, stores it as that year's baseline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from conflict_minerals.filings.check import Filing, check_filing, sections_of
from conflict_minerals.filings.own import check_model
from conflict_minerals.filings.parse import AnnexLine, ParsedFiling, read_filing
from conflict_minerals.filings.text import MAX_BYTES, FilingError
from conflict_minerals.model import Finding, Metal
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import filings, inserted_id
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.reference.store import ReferenceSource
from conflict_minerals.report.build import build_report
from conflict_minerals.report.runs import find_run
from conflict_minerals.smelters.matching import Matcher, SmelterMatch

MAX_FILING_BYTES = MAX_BYTES  # one limit for the file and for the text read from it


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """An annex row as printed and the facility it was matched to."""

    printed: AnnexLine
    match: SmelterMatch

    def as_json(self) -> dict[str, Any]:
        """The documented shape: names and status words as printed, the match beside them."""
        row = self.printed
        return {
            "metal": row.metal,
            "name": row.name,
            "country": row.country,
            "status": row.status,
            "smelter_id": self.match.smelter_id,
            "printed_smelter_id": row.smelter_id,
            "match_method": self.match.method.value,
            "confidence": round(self.match.confidence, 3),
            "line": row.line,
        }


@dataclass(frozen=True, slots=True)
class ImportedFiling:
    """A filing read and matched; `stored` is its number in the workspace when it was kept as a baseline."""

    source: str
    parsed: ParsedFiling
    rows: tuple[ImportedRow, ...]
    stored: int | None = None
    duplicate: bool = False  # the same file was already kept for that year (`stored` is that one)

    def as_json(self) -> dict[str, Any]:
        """The documented `filings import --json` object."""
        return {
            "registrant": self.parsed.registrant,
            "period": self.parsed.period,
            "figures": dict(self.parsed.figures),
            "annex": [row.as_json() for row in self.rows],
            "unread_lines": [{"line": n, "text": text} for n, text in self.parsed.unread_lines],
        }


def read_file(path: Path) -> bytes:
    """Read a filing's bytes, refusing what is not a regular file or is too large to be one."""
    if not path.is_file():
        raise FilingError(f"{path.name}: not found, or not a regular file.", "filing.not_found", path=str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILING_BYTES + 1)
    except OSError as error:
        raise FilingError(f"{path.name}: cannot be read ({error.strerror or 'error'}).", "filing.unreadable") from None
    if len(data) > MAX_FILING_BYTES:
        raise FilingError(
            f"{path.name}: larger than {MAX_FILING_BYTES // 2**20} MB; this is not a Form SD filing.",
            "filing.too-large",
        )
    return data


def _matched(parsed: ParsedFiling, reference: ReferenceSource) -> tuple[ImportedRow, ...]:
    matcher = Matcher(reference.reference())
    metals = {metal.value: metal for metal in Metal}
    return tuple(
        ImportedRow(row, matcher.match(row.name, metals.get(row.metal), row.country, row.smelter_id))
        for row in parsed.annex
    )


def import_filing(
    path: Path,
    reference: ReferenceSource,
    workspace: Workspace | None = None,
    actor: str = "",
    period: int | None = None,
) -> ImportedFiling:
    """Read a filed Form SD / CMR and match its annex; in a workspace, store it as that period's baseline."""
    data = read_file(path)
    parsed = read_filing(data, path.name)
    if period is not None:
        parsed = dataclasses.replace(parsed, period=period)
    imported = ImportedFiling(path.name, parsed, _matched(parsed, reference))
    if workspace is None:
        return imported
    if parsed.period is None:
        raise FilingError(f"{path.name}: the reporting period could not be read from the filing", "filing.no_period")
    content = json.dumps(imported.as_json(), ensure_ascii=False)
    digest = hashlib.sha256(data).hexdigest()
    with workspace.transaction() as connection:
        already = connection.execute(
            select(filings.c.id).where(filings.c.period == parsed.period, filings.c.digest == digest)
        ).scalar()
        if already is not None:  # the same file for the same year: keep one baseline, not two
            return ImportedFiling(imported.source, parsed, imported.rows, already, duplicate=True)
        stored = inserted_id(
            connection.execute(
                insert(filings).values(
                    period=parsed.period,
                    registrant=parsed.registrant,
                    source_name=path.name,
                    digest=digest,
                    imported_at=now(),
                    actor=actor,
                    content=content,
                )
            )
        )
        record(
            connection,
            actor,
            "filing.imported",
            {"file": path.name, "period": parsed.period, "annex_rows": len(imported.rows)},
            campaign_year=parsed.period,
        )
    return ImportedFiling(imported.source, parsed, imported.rows, stored)


def check_file(path: Path) -> list[Finding]:
    """Check any filing (the exhibit .htm, the full submission .txt, or a text export)."""
    parsed = read_filing(read_file(path), path.name)
    table = {row.line for row in parsed.annex} | {number for number, _ in parsed.unread_lines}
    headings = [line for n, line in enumerate(parsed.lines, 1) if n not in table and _looks_like_heading(line)]
    return check_filing(Filing(path.name, parsed, sections_of(parsed.lines, headings)))


def _looks_like_heading(line: str) -> bool:
    text = line.strip().strip("*#").strip()
    if not 0 < len(text) <= 80 or text.endswith((".", ",", ";", ":")) or "\t" in text or not text[0].isupper():
        return False
    letters = sum(1 for char in text if char.isalpha())
    return letters >= 0.7 * sum(1 for char in text if not char.isspace())  # not a line of table debris


def check_period(
    workspace: Workspace, period: int, as_of: dt.date | None = None, signature_date: dt.date | None = None
) -> list[Finding]:
    """Check the report for a period as `report` would write it (nothing is stored or written); without a
    signature date, the one the period's newest stored run was signed with."""
    if signature_date is None:
        with workspace.read() as connection:
            run = find_run(connection, period)
        signed = run.data.get("signature_date") if run is not None else None
        signature_date = dt.date.fromisoformat(signed) if isinstance(signed, str) else None
    model = build_report(workspace, period, as_of, signature_date=signature_date)
    return check_model(model)
