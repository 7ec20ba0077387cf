"""Review rules beyond the template's own Checker, each a small function with a stable code.

A rule takes the ReviewContext and yields findings that tell the supplier what to fix and
where. REVIEW_RULES is the list `review_document` runs; build other lists by copying it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from conflict_minerals.cmrt import layout
from conflict_minerals.model import (
    DECLARATION_METAL_ORDER,
    CmrtDocument,
    Finding,
    Metal,
    Severity,
    SmelterRow,
    SourceRef,
)
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.smelters.consolidate import Ruling, ruling_for
from conflict_minerals.smelters.matching import Matcher, Method, SmelterMatch

DECLARATION = "Declaration"
SMELTER_LIST = "Smelter List"


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """What a rule may look at: the document, the reference, the campaign and today."""

    document: CmrtDocument
    matcher: Matcher
    reporting_year: int
    require_product_level: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    cahra: frozenset[str] = frozenset()
    rulings: Mapping[str, Ruling] = field(default_factory=dict)  # reviewers' decisions on facility names
    _matches: dict[int, SmelterMatch] = field(default_factory=dict, repr=False, compare=False)

    def ruled(self, row: SmelterRow) -> Ruling | None:
        """A reviewer's decision on this row's name (or Smelter ID), if one is in force."""
        return ruling_for(self.rulings, row, self.match(row)) if self.rulings else None

    def match(self, row: SmelterRow) -> SmelterMatch:
        """Match a Smelter List row once; several rules ask about the same row."""
        found = self._matches.get(row.row)
        if found is None:
            found = self._matches[row.row] = self.matcher.match(
                row.reported_name, row.metal, row.country, row.smelter_id
            )
        return found

    def at(self, sheet: str, cell: str | None) -> SourceRef:
        """Point at a cell of the document."""
        return self.document.source.at(sheet, cell)

    def value(self, metal: Metal, question: str) -> str | None:
        """Return the canonical answer of a per-metal question."""
        answer = self.document.answer(metal, question)
        return answer.value if answer else None

    def cell(self, metal: Metal, question: str) -> str | None:
        """Return the answer cell of a per-metal question."""
        answer = self.document.answer(metal, question)
        return answer.cell if answer else None

    def rows(self, metal: Metal) -> list[SmelterRow]:
        """Return the Smelter List rows of one metal."""
        return [row for row in self.document.smelters if row.metal is metal]


Rule = Callable[[ReviewContext], Iterator[Finding]]


def outdated_revision(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-001: the CMRT is an older revision than the newest RMI template."""
    version = ctx.document.template.version
    if layout.version_key(version) < layout.version_key(layout.NEWEST_CMRT_VERSION):
        newest = layout.NEWEST_CMRT_VERSION
        message = f"The CMRT is revision {version}; please use the current revision {newest} next time."
        yield Finding(ctx.at(DECLARATION, "J3"), "REV-001", Severity.WARNING, message)


def smelters_for_unused_metal(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-003: Q1 or Q2 says a metal is not used, yet smelters are listed for it."""
    for metal in DECLARATION_METAL_ORDER:
        rows = ctx.rows(metal)
        for question in ("Q1", "Q2"):
            if ctx.value(metal, question) == "No" and rows:
                message = (
                    f"{question} says {metal} is not used, but the Smelter List names {len(rows)} {metal} "
                    f"smelter(s) (first at row {rows[0].row}); correct {question} or remove the rows."
                )
                yield Finding(ctx.at(DECLARATION, ctx.cell(metal, question)), "REV-003", Severity.ERROR, message)
                break


def used_metal_without_smelters(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-004: a used metal has no smelters listed although Q7 claims all smelters are identified."""
    for metal in DECLARATION_METAL_ORDER:
        used = ctx.value(metal, "Q1") == "Yes" and ctx.value(metal, "Q2") != "No"
        if used and ctx.value(metal, "Q7") == "Yes" and not ctx.rows(metal):
            message = f"Q7 says all {metal} smelters are identified, but the Smelter List names none; list them."
            yield Finding(ctx.at(DECLARATION, ctx.cell(metal, "Q7")), "REV-004", Severity.ERROR, message)


def _matches(ctx: ReviewContext, metal: Metal) -> list[tuple[SmelterRow, SmelterMatch]]:
    return [
        (row, ctx.matcher.match(row.reported_name, row.metal, row.country, row.smelter_id)) for row in ctx.rows(metal)
    ]


def _country_code(ctx: ReviewContext, row: SmelterRow) -> str | None:
    match = ctx.match(row)
    country = resolve_country(match.country if match.matched else row.country)
    return country.code if country else None


def _excluded(ctx: ReviewContext, row: SmelterRow) -> bool:
    """A reviewer excluded this row's name (a trader, not a smelter, ...): it sources nothing."""
    ruling = ctx.ruled(row)
    return ruling is not None and ruling.action == "exclude"


def covered_country_sourcing_denied(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-005: Q3/Q4 say 'No' while listed smelters are located in Covered Countries or CAHRAs."""
    from conflict_minerals.reference.countries import COVERED_COUNTRIES

    for metal in DECLARATION_METAL_ORDER:
        codes = [(row, _country_code(ctx, row)) for row in ctx.rows(metal)]
        for question, region, name in (("Q3", COVERED_COUNTRIES, "a Covered Country"), ("Q4", ctx.cahra, "a CAHRA")):
            inside = [row for row, code in codes if code and code in region and not _excluded(ctx, row)]
            if ctx.value(metal, question) == "No" and inside:
                message = (
                    f"{question} says no {metal} comes from {name}, but the smelter at row {inside[0].row} "
                    f"({inside[0].reported_name}) is located in one; check the answer."
                )
                yield Finding(ctx.at(DECLARATION, ctx.cell(metal, question)), "REV-005", Severity.WARNING, message)


def recycled_claim_with_primary_smelters(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-006: Q5 says 100% recycled/scrap, yet a listed smelter says its feedstock is not."""
    for metal in DECLARATION_METAL_ORDER:
        if ctx.value(metal, "Q5") != "Yes":
            continue
        primary = [row for row in ctx.rows(metal) if (row.recycled_scrap or "").strip().casefold() == "no"]
        if primary:
            message = (
                f"Q5 says all {metal} is recycled or scrap, but row {primary[0].row} says that smelter's "
                "feedstock is not 100% recycled; correct Q5 or the row."
            )
            yield Finding(ctx.at(DECLARATION, ctx.cell(metal, "Q5")), "REV-006", Severity.WARNING, message)


def weak_supplier_coverage(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-007: Q6 says none or at most half of the supplier's own suppliers responded."""
    for metal in DECLARATION_METAL_ORDER:
        value = ctx.value(metal, "Q6")
        if value in ("None", "50% or less"):
            message = f"Q6: only '{value}' of your suppliers responded for {metal}; please follow up and resubmit."
            yield Finding(ctx.at(DECLARATION, ctx.cell(metal, "Q6")), "REV-007", Severity.WARNING, message)


def unidentified_with_all_identified(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-008: 'Smelter not yet identified' rows while Q7 says all smelters are identified."""
    for metal in DECLARATION_METAL_ORDER:
        placeholders = [row for row in ctx.rows(metal) if row.not_yet_identified]
        if placeholders and ctx.value(metal, "Q7") == "Yes":
            message = (
                f"Q7 says all {metal} smelters are identified, but row {placeholders[0].row} is "
                "'Smelter not yet identified'; answer Q7 'No' or identify the smelter."
            )
            yield Finding(ctx.at(DECLARATION, ctx.cell(metal, "Q7")), "REV-008", Severity.ERROR, message)


def reference_conflicts(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-009: Smelter IDs unknown to every reference revision, or contradicting name, country or metal."""
    for metal in DECLARATION_METAL_ORDER:
        for row, match in _matches(ctx, metal):
            for problem in match.problems:
                where = ctx.at(SMELTER_LIST, f"A{row.row}" if row.smelter_id else f"C{row.row}")
                yield Finding(where, "REV-009", Severity.ERROR, f"Row {row.row}: {problem}; please correct the row.")


def duplicate_rows(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-010: the same smelter listed more than once."""
    keys: Counter[str] = Counter()
    first: dict[str, int] = {}
    for row in ctx.document.smelters:
        if row.not_yet_identified and not row.smelter_id:
            continue
        key = row.smelter_id or f"{row.metal}|{(row.reported_name or '').casefold()}|{(row.country or '').casefold()}"
        keys[key] += 1
        if keys[key] == 1:
            first[key] = row.row
        else:
            message = f"Row {row.row} repeats the smelter of row {first[key]} ({row.name}); remove the duplicate."
            yield Finding(ctx.at(SMELTER_LIST, f"B{row.row}"), "REV-010", Severity.WARNING, message)


def not_a_smelter(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-011: rows naming something that is not a smelter in RMI's list (unmatched or ambiguous names, traders)."""
    for metal in DECLARATION_METAL_ORDER:
        for row, match in _matches(ctx, metal):
            if row.not_yet_identified or match.method not in (Method.UNMATCHED, Method.REJECTED, Method.AMBIGUOUS):
                continue
            if ctx.ruled(row) is not None:
                continue  # a reviewer decided the name (mapped, confirmed or excluded): nothing to ask
            named = row.reported_name  # a "Smelter not listed" row without a typed name has none
            if match.method is Method.AMBIGUOUS:
                could_be = "; ".join(f"{c.smelter_id} {c.name} ({c.country})" for c in match.candidates)
                message = f"Row {row.row}: '{named}' could be several smelters ({could_be}); give the Smelter ID."
            else:
                what = (
                    f"'{named}' is not a smelter or refiner in RMI's list" if named else "names no smelter or refiner"
                )
                ask = "give the smelter's Smelter ID, or confirm it is a smelter"
                message = f"Row {row.row}: {what} ({match.reason}); {ask}."
            yield Finding(
                ctx.at(SMELTER_LIST, f"D{row.row}" if row.not_listed else f"C{row.row}"),
                "REV-011",
                Severity.WARNING,
                message,
            )


def company_level_when_product_level_asked(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-012: a company-level CMRT where the campaign asks for product level."""
    if ctx.require_product_level and ctx.document.company.declaration_scope == "A":
        message = (
            "We asked for a product-level CMRT (scope B with the products you supply us); this one is company-level."
        )
        yield Finding(ctx.at(DECLARATION, "D9"), "REV-012", Severity.WARNING, message)


def effective_date_plausible(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-013: the effective date is in the future or before the reporting period."""
    date = ctx.document.company.effective_date
    if date is None:
        return
    if date > ctx.today:
        message = f"The effective date {date.isoformat()} is in the future; use the date the declaration was completed."
        yield Finding(ctx.at(DECLARATION, "D22"), "REV-013", Severity.WARNING, message)
    elif date < dt.date(ctx.reporting_year, 1, 1):
        message = (
            f"The effective date {date.isoformat()} is before the {ctx.reporting_year} reporting period; "
            f"please send a CMRT covering {ctx.reporting_year}."
        )
        yield Finding(ctx.at(DECLARATION, "D22"), "REV-013", Severity.ERROR, message)


_NOT_A_PERSON = {"same", "same as above", "n/a", "na", "none", "-", "tbd"}


def authorizer_is_a_person(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-014: the authorizer must be a named person (not 'same', 'N/A')."""
    name = ctx.document.company.authorizer_name
    if name and name.strip().casefold() in _NOT_A_PERSON:
        message = f"Authorizer '{name}' is not a person; name the person who authorized this declaration."
        yield Finding(ctx.at(DECLARATION, "D18"), "REV-014", Severity.ERROR, message)


def smelter_information_withheld(ctx: ReviewContext) -> Iterator[Finding]:
    """REV-015: Q8 'No': not all smelter information received was reported."""
    for metal in DECLARATION_METAL_ORDER:
        if ctx.value(metal, "Q8") == "No":
            message = f"Q8 says not all {metal} smelter information you received is reported; please report all of it."
            yield Finding(ctx.at(DECLARATION, ctx.cell(metal, "Q8")), "REV-015", Severity.WARNING, message)


REVIEW_RULES: tuple[Rule, ...] = (
    outdated_revision,
    smelters_for_unused_metal,
    used_metal_without_smelters,
    covered_country_sourcing_denied,
    recycled_claim_with_primary_smelters,
    weak_supplier_coverage,
    unidentified_with_all_identified,
    reference_conflicts,
    duplicate_rows,
    not_a_smelter,
    company_level_when_product_level_asked,
    effective_date_plausible,
    authorizer_is_a_person,
    smelter_information_withheld,
)


def review_document(ctx: ReviewContext, rules: tuple[Rule, ...] = REVIEW_RULES) -> list[Finding]:
    """Run review rules over one document."""
    return [finding for rule in rules for finding in rule(ctx)]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def one_per_cell(findings: Sequence[Finding]) -> list[Finding]:
    """Keep one finding per cell: the most severe, and of equal ones the later rule (the more specific).

    A bad cell is one problem for the supplier to fix, whatever number of rules notice it.
    """
    kept: dict[tuple[str, str | None, str], Finding] = {}
    loose: list[Finding] = []
    for finding in findings:
        where = finding.source
        if not where.cell:
            loose.append(finding)
            continue
        key = (where.file, where.sheet, where.cell)
        held = kept.get(key)
        if held is None or _RANK[finding.severity] <= _RANK[held.severity]:
            kept[key] = finding
    chosen = {id(f) for f in (*kept.values(), *loose)}
    return [f for f in findings if id(f) in chosen]
