"""The pre-filing check on our own report: the text as written (Markdown lines), the annex from the model.

The text is checked as rendered, so a company's overridden wording is held to the same figures;
the annex comes from the model itself (no need to read back a table we wrote).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from conflict_minerals.filings.check import (
    RULES,
    Filing,
    check_filing,
    outdated_terms,
    placeholders_left,
    sections_of,
    website_link,
)
from conflict_minerals.filings.parse import AnnexLine, parse_filing
from conflict_minerals.model import Finding, Severity, SourceRef
from conflict_minerals.report.document import Block, Heading, conflict_minerals_report, form_sd
from conflict_minerals.report.model import STATUS_WORDS, ReportModel
from conflict_minerals.report.render import to_markdown

FORM_SD_FILE = "form-sd.md"
EXHIBIT_FILE = "conflict-minerals-report.md"
_ESCAPE = re.compile(r"\\(.)")
FORM_SD_RULES = (placeholders_left, website_link, outdated_terms)
EXHIBIT_RULES = tuple(rule for rule in RULES if rule is not website_link)


def _filing(name: str, blocks: Sequence[Block], model: ReportModel, annex: bool) -> Filing:
    # Markdown's escapes removed, so the line numbers are the written .md file's and the text reads as printed.
    lines = [_ESCAPE.sub(r"\1", line) for line in to_markdown(blocks).splitlines()]
    parsed = parse_filing(lines)
    if annex:
        rows = tuple(AnnexLine(r.metal, r.name, r.country, r.status_label, r.smelter_id, 0) for r in model.annex)
        legend = tuple(STATUS_WORDS.values()) if model.status_lists else ()
        parsed = dataclasses.replace(parsed, annex=rows, legend=legend, unread_lines=())
    headings = [b.text for b in blocks if isinstance(b, Heading)]
    return Filing(
        name,
        parsed,
        sections_of(lines, headings),
        statuses_known=bool(model.status_lists) if annex else None,
        annex_document=EXHIBIT_FILE,
        facts={"as_of": model.as_of.isoformat()},
    )


def check_model(model: ReportModel) -> list[Finding]:
    """Check the Form SD and the Conflict Minerals Report a model renders to, and what the period left undecided."""
    sd = _filing(FORM_SD_FILE, form_sd(model), model, annex=False)
    exhibit = _filing(EXHIBIT_FILE, conflict_minerals_report(model), model, annex=True)
    return check_filing(sd, FORM_SD_RULES) + check_filing(exhibit, EXHIBIT_RULES) + undecided_names(model)


def undecided_names(model: ReportModel) -> list[Finding]:
    """FIL-E-004: supplier names nobody identified or decided on; they are left out of the annex and figures."""
    rows = model.working_papers.get("unmatched_rows") or []
    names = list(dict.fromkeys(str(row["name"]) for row in rows if isinstance(row, dict)))
    if not names:
        return []
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    message = (
        f"{len(names)} facility name(s) from suppliers await a reviewer's decision and are not in the annex: "
        f"{shown}; decide with `conflict-minerals smelters review` and `smelters resolve`"
    )
    where = SourceRef("working-papers.md", "Names awaiting a reviewer's decision")
    return [Finding(where, "FIL-E-004", Severity.WARNING, message)]
