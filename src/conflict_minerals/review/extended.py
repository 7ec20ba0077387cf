"""Review of an extended template (EMRT, CRT, AMRT): small named rules `EXT-R-…` beside the template's own checks.

The 3TG rules (`rules.py`) need the CMRT's metals and questions; these need only what every
extended template shares: the company block, the minerals in scope and the Smelter List.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from conflict_minerals.cmrt.layout import SMELTER_LIST
from conflict_minerals.cmrt.templates import layout_for
from conflict_minerals.cmrt.values import normalize_smelter_id
from conflict_minerals.model import ExtendedDocument, Finding, Severity
from conflict_minerals.program.extended_store import UNMATCHED, MineralMatch, MineralMatcher
from conflict_minerals.review.rules import one_per_cell

DECLARATION = "Declaration"


@dataclass(frozen=True, slots=True)
class ExtendedContext:
    """What the rules look at: the document and the campaign's terms."""

    document: ExtendedDocument
    templates: tuple[str, ...]
    reporting_year: int
    today: dt.date
    matches: tuple[MineralMatch, ...] = ()  # aligned with document.smelters

    def declaration_cell(self, field: str) -> str:
        """The Declaration cell of a company field in this document's layout."""
        spec, _ = layout_for(self.document.template.type, self.document.template.version)
        return spec.company_cells[field]


def not_requested(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-001: the campaign did not ask for this template (filed all the same, for a person to decide)."""
    kind = ctx.document.template.type
    if kind not in ctx.templates:
        asked = ", ".join(ctx.templates)
        article = "an" if kind[0] in "AEIOU" else "a"
        message = (
            f"This is {article} {kind}; the {ctx.reporting_year} campaign asks for {asked}. Check it was meant for us."
        )
        yield Finding(ctx.document.source.at(DECLARATION, "B2"), "EXT-R-001", Severity.WARNING, message)


def effective_date_plausible(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-002: the effective date is in the future or before the reporting period."""
    date = ctx.document.company.effective_date
    if date is None:
        return
    where = ctx.document.source.at(DECLARATION, ctx.declaration_cell("effective_date"))
    if date > ctx.today:
        message = f"The effective date {date.isoformat()} is in the future; use the date the declaration was completed."
        yield Finding(where, "EXT-R-002", Severity.WARNING, message)
    elif date < dt.date(ctx.reporting_year, 1, 1):
        message = (
            f"The effective date {date.isoformat()} is before the {ctx.reporting_year} reporting period; "
            f"please send a declaration covering {ctx.reporting_year}."
        )
        yield Finding(where, "EXT-R-002", Severity.ERROR, message)


def row_outside_scope(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-003: a Smelter List row names a mineral the declaration does not cover."""
    covered = {mineral.casefold() for mineral in ctx.document.minerals}
    for row in ctx.document.smelters:
        if row.mineral and row.mineral.casefold() not in covered:
            message = f"Row {row.row} names {row.mineral}, which is not among the minerals this declaration covers."
            yield Finding(ctx.document.source.at(SMELTER_LIST, f"B{row.row}"), "EXT-R-003", Severity.WARNING, message)


def used_without_facilities(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-004: a mineral is declared used (Q1 Yes) but no smelter or refiner of it is listed."""
    listed = {(row.mineral or "").casefold() for row in ctx.document.smelters}
    for answer in ctx.document.answers:
        used = answer.question == "Q1" and (answer.value or "").casefold() == "yes"
        if used and answer.mineral and answer.mineral.casefold() not in listed:
            message = f"{answer.mineral} is declared used, but the Smelter List names no facility for it."
            yield Finding(ctx.document.source.at(DECLARATION, answer.cell), "EXT-R-004", Severity.WARNING, message)


def smelter_id_not_known(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-005: the Smelter ID or name does not fit RMI's look-up of the mineral (unknown, another
    mineral's facility, a name that contradicts the ID)."""
    for row, match in zip(ctx.document.smelters, ctx.matches, strict=False):
        if match.reason and match is not UNMATCHED:  # UNMATCHED: no look-up to match against at all
            where = ctx.document.source.at(SMELTER_LIST, f"A{row.row}" if row.smelter_id else f"D{row.row}")
            yield Finding(where, "EXT-R-005", Severity.WARNING, f"Row {row.row}: {match.reason}.")


def smelter_id_malformed(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-006: a Smelter ID that is not one (RMI's are 'CID' and six digits)."""
    for row in ctx.document.smelters:
        if row.smelter_id and normalize_smelter_id(row.smelter_id) is None:
            message = f"Row {row.row}: '{row.smelter_id}' is not a Smelter ID (CID followed by six digits)."
            yield Finding(ctx.document.source.at(SMELTER_LIST, f"A{row.row}"), "EXT-R-006", Severity.ERROR, message)


def facility_of_unused_mineral(ctx: ExtendedContext) -> Iterator[Finding]:
    """EXT-R-007: facilities are listed for a mineral the declaration says is not used (Q1 No)."""
    unused = {
        (a.mineral or "").casefold()
        for a in ctx.document.answers
        if a.question == "Q1" and (a.value or "").casefold() == "no"
    }
    for row in ctx.document.smelters:
        if row.mineral and row.mineral.casefold() in unused:
            message = f"Row {row.row} lists a {row.mineral} facility, but Q1 says {row.mineral} is not used."
            yield Finding(ctx.document.source.at(SMELTER_LIST, f"B{row.row}"), "EXT-R-007", Severity.WARNING, message)


RULES = (
    not_requested,
    effective_date_plausible,
    row_outside_scope,
    used_without_facilities,
    smelter_id_not_known,
    smelter_id_malformed,
    facility_of_unused_mineral,
)


def review_extended(
    document: ExtendedDocument,
    templates: tuple[str, ...],
    reporting_year: int,
    today: dt.date,
    matcher: MineralMatcher | None = None,
) -> tuple[list[Finding], list[MineralMatch]]:
    """The findings of an extended document (template checks and review rules, one per cell) and the
    match of each Smelter List row (against the trusted reference when a matcher is given)."""
    matches = [_match(row.mineral, row.smelter_id, row.name, row.country, matcher) for row in document.smelters]
    ctx = ExtendedContext(document, templates, reporting_year, today, tuple(matches))
    found = one_per_cell([*document.findings, *(f for rule in RULES for f in rule(ctx))])
    return found, matches


def _match(
    mineral: str | None, smelter_id: str | None, name: str | None, country: str | None, matcher: MineralMatcher | None
) -> MineralMatch:
    if matcher is None or not mineral:
        return UNMATCHED
    return matcher(mineral, smelter_id, name, country)
