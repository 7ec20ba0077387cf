"""Pre-flight: the checks a filing should pass before it goes out, on our own report or on any filing.

Each rule is a small named function over a `Filing` (its text lines, sections, stated figures and
annex) returning findings with a stable code, a severity and a location: the document, its section
and line, or the annex row and the facility it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from conflict_minerals.filings.parse import AnnexLine, ParsedFiling
from conflict_minerals.model import Finding, Severity, SourceRef
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.report.compare import bucket_of_words
from conflict_minerals.smelters.names import name_key

CheckFinding = Finding  # one finding type for every stage; the location is document, section and line or row


@dataclass(frozen=True, slots=True)
class Filing:
    """A filing under check: what was read of it and, for our own report, what the workspace knows."""

    document: str  # file name the locations refer to
    parsed: ParsedFiling
    sections: tuple[str, ...]  # the section heading each line is under ("" before the first)
    statuses_known: bool | None = None  # our own report: did the as-of date have a status list
    annex_document: str | None = None  # where the annex rows are (our report: the exhibit)
    facts: dict[str, Any] = field(default_factory=dict)


def finding_json(finding: Finding) -> dict[str, str]:
    """The documented JSON shape: code, severity, message, location."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": location_text(finding.source),
    }


def location_text(source: SourceRef) -> str:
    """'conflict-minerals-report.md, section "Annex I", line 40' or '..., Annex row 3'."""
    parts = [source.file]
    if source.sheet:
        parts.append(f'section "{source.sheet}"')
    if source.cell:
        parts.append(source.cell)
    return ", ".join(parts)


def _at_line(filing: Filing, line: int) -> SourceRef:
    section = filing.sections[line - 1] if 0 < line <= len(filing.sections) else ""
    return SourceRef(filing.document, section or None, f"line {line}")


def _at_row(filing: Filing, index: int, row: AnnexLine) -> SourceRef:
    where = f"annex row {index}" + (f" (line {row.line})" if row.line else "")
    return SourceRef(filing.annex_document or filing.document, "Annex", where)


def _finding(source: SourceRef, code: str, severity: Severity, message: str) -> Finding:
    return Finding(source, code, severity, message)


def _lines(filing: Filing) -> Iterator[tuple[int, str]]:
    return enumerate(filing.parsed.lines, start=1)


def _text(filing: Filing) -> str:
    return "\n".join(filing.parsed.lines)


# --- text: placeholders, links, words no longer used ------------------------------------------------

_PLACEHOLDER = re.compile(r"\[(?:CONFIRM:[^\]]*|[a-z][a-z .,-]{1,40}|insert[^\]]*|_+|\s*|●|x{2,}|tbd|TBD)\]")


def placeholders_left(filing: Filing) -> Iterator[Finding]:
    """FIL-T-001: a placeholder nobody filled ([CONFIRM: ...], [signer], [insert date])."""
    for number, line in _lines(filing):
        for match in _PLACEHOLDER.finditer(line):
            if match.group(0) in ("[X]", "[ ]"):
                continue  # the cover's rule check boxes
            yield _finding(
                _at_line(filing, number), "FIL-T-001", Severity.ERROR, f"placeholder left: {match.group(0)[:300]}"
            )


_LINK = re.compile(r"https?://\S+|www\.\S+", re.I)


def website_link(filing: Filing) -> Iterator[Finding]:
    """FIL-T-002: Item 1.01 must give the address of the website where the report is published."""
    if not any(_LINK.search(line) for line in filing.parsed.lines):
        yield _finding(
            SourceRef(filing.document, "Item 1.01"),
            "FIL-T-002",
            Severity.ERROR,
            "no website address: Form SD Item 1.01 must say where the Conflict Minerals Report is published",
        )


_OUTDATED = (
    (re.compile(r"DRC conflict[ -]undeterminable", re.I), "'DRC conflict undeterminable' is a term no longer used"),
    (re.compile(r"Conflict[- ]Free Smelter (Program|Initiative)|\bCFS[IP]\b", re.I), "the CFSP/CFSI is now RMI's RMAP"),
    (re.compile(r"EICC[- ]GeSI", re.I), "the EICC-GeSI template is now RMI's CMRT"),
    (
        re.compile(r"Item 2\.01 Exhibits|Section 2 ?[-–] ?Exhibits", re.I),
        "outdated Form SD layout: exhibits are Item 3.01",
    ),
)


def outdated_terms(filing: Filing) -> Iterator[Finding]:
    """FIL-T-003: terms and layouts no longer in use."""
    for number, line in _lines(filing):
        for pattern, why in _OUTDATED:
            if pattern.search(line):
                yield _finding(_at_line(filing, number), "FIL-T-003", Severity.WARNING, why)


# --- completeness: what Item 1.01 and the OECD framework call for -------------------------------------

_ELEMENTS = (
    (
        "framework",
        r"OECD\W{0,8}Due Diligence Guidance|Due Diligence Guidance for Responsible Supply Chains",
        "the due diligence framework (the OECD Due Diligence Guidance)",
    ),
    ("measures", r"due diligence (measures|process|efforts)", "a description of the due diligence measures"),
    ("products", r"products? (covered|that (may )?contain)|covered products", "the products covered"),
    ("facilities", r"smelters? (or|and) refiner", "the facilities used to process the 3TG"),
    ("origin", r"countr(y|ies) of origin", "the countries of origin"),
    ("mine", r"mine or location of origin|location of origin|mines? of origin", "the efforts to find the mine"),
    ("audit", r"independent private sector audit", "the statement about the independent private sector audit"),
)


def completeness(filing: Filing) -> Iterator[Finding]:
    """FIL-E-001: an element the Conflict Minerals Report must have is missing."""
    text = _text(filing)
    for key, pattern, what in _ELEMENTS:
        if not re.search(pattern, text, re.I):
            yield _finding(SourceRef(filing.document), "FIL-E-001", Severity.ERROR, f"missing element ({key}): {what}")


def status_list_known(filing: Filing) -> Iterator[Finding]:
    """FIL-E-002: the report's as-of date has no status list, so every status is unknown."""
    if filing.statuses_known is False:
        yield _finding(
            SourceRef(filing.annex_document or filing.document, "Annex"),
            "FIL-E-002",
            Severity.ERROR,
            f"no status list for the as-of date {filing.facts.get('as_of', '')}: the facility statuses are unknown "
            "(import RMI's list with refdata import-status)",
        )


# --- consistency: the text against the annex -----------------------------------------------------------


def _stated_line(filing: Filing, value: int, words: str) -> int:
    """The first line that states `value` near one of `words` (for the finding's location)."""
    pattern = re.compile(rf"\b{value}\b.*({words})|({words}).*\b{value}\b", re.I)
    return next((n for n, line in _lines(filing) if pattern.search(line)), 0)


def _distinct(annex: Sequence[AnnexLine]) -> int:
    return len({_row_key(row) for row in annex})


def _row_key(row: AnnexLine) -> tuple[str, str]:
    """One facility: its Smelter ID, else its name and country (a group's sites differ only by country)."""
    if row.smelter_id:
        return row.metal.lower(), row.smelter_id.upper()
    country = resolve_country(row.country)
    return row.metal.lower(), f"{name_key(row.name)}|{country.code if country else row.country.strip().lower()}"


def total_against_annex(filing: Filing) -> Iterator[Finding]:
    """FIL-X-001: the number of facilities the text states is not the number the annex lists."""
    stated = filing.parsed.figures.get("facilities_total")
    annex = filing.parsed.annex
    if stated is None or not annex or stated == _distinct(annex):
        return
    line = _stated_line(filing, stated, "smelter|refiner|facilit")
    yield _finding(
        _at_line(filing, line) if line else SourceRef(filing.document),
        "FIL-X-001",
        Severity.ERROR,
        f"the text states {stated} facilities; the annex lists {_distinct(annex)}",
    )


def status_counts(filing: Filing) -> Iterator[Finding]:
    """FIL-X-002: the number stated conformant is not the number of conformant annex rows."""
    stated = filing.parsed.figures.get("facilities_conformant")
    annex = filing.parsed.annex
    if stated is None or not annex or not any(row.status for row in annex):
        return
    listed = len({_row_key(r) for r in annex if bucket_of_words(r.status) == "conformant"})
    if stated != listed:
        line = _stated_line(filing, stated, "conformant|compliant|conflict.free")
        yield _finding(
            _at_line(filing, line) if line else SourceRef(filing.document),
            "FIL-X-002",
            Severity.ERROR,
            f"the text states {stated} conformant facilities; the annex marks {listed} so",
        )


_NONE_COVERED = re.compile(
    r"\b(no|none of the|not any)\b[^.]{0,80}\b(located|situated|based)\b[^.]{0,20}\bin\b[^.]{0,10}Covered Countries"
    r"|\bnone\b[^.]{0,60}\bfrom the Covered Countries",
    re.I,
)


def covered_countries(filing: Filing) -> Iterator[Finding]:
    """FIL-X-003: the text's covered-country statements disagree with the annex's countries."""
    covered = [
        (i, row) for i, row in enumerate(filing.parsed.annex, 1) if (c := resolve_country(row.country)) and c.covered
    ]
    stated = filing.parsed.figures.get("facilities_in_covered_countries")
    says_none = next((n for n, line in _lines(filing) if _NONE_COVERED.search(line)), 0)
    if covered and (stated == 0 or (stated is None and says_none)):
        line = says_none or _stated_line(filing, 0, "Covered Countr")
        for index, row in covered:
            yield _finding(
                _at_row(filing, index, row),
                "FIL-X-003",
                Severity.ERROR,
                f"{row.name} ({row.metal}) is in {row.country}, a Covered Country, but the text"
                + (f" at line {line}" if line else "")
                + " says no facility is located in the Covered Countries",
            )
    elif stated is not None and filing.parsed.annex and stated != len(covered):
        line = _stated_line(filing, stated, "Covered Countr")
        yield _finding(
            _at_line(filing, line) if line else SourceRef(filing.document),
            "FIL-X-003",
            Severity.ERROR,
            f"the text states {stated} facilities in the Covered Countries; the annex lists {len(covered)}",
        )


def africa(filing: Filing) -> Iterator[Finding]:
    """FIL-X-004: the number of facilities the text places in Africa is not the annex's."""
    stated = filing.parsed.figures.get("facilities_in_africa")
    annex = filing.parsed.annex
    if stated is None or not annex:
        return
    listed = sum(1 for row in annex if (c := resolve_country(row.country)) and c.in_africa)
    if stated != listed:
        line = _stated_line(filing, stated, "Africa")
        yield _finding(
            _at_line(filing, line) if line else SourceRef(filing.document),
            "FIL-X-004",
            Severity.ERROR,
            f"the text states {stated} facilities in Africa; the annex lists {listed}",
        )


def duplicate_rows(filing: Filing) -> Iterator[Finding]:
    """FIL-X-005: the annex lists the same facility twice."""
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(filing.parsed.annex, 1):
        key = _row_key(row)
        if key in seen:
            yield _finding(
                _at_row(filing, index, row),
                "FIL-X-005",
                Severity.ERROR,
                f"{row.name} ({row.metal}) is listed twice (also annex row {seen[key]})",
            )
        else:
            seen[key] = index


def status_words_defined(filing: Filing) -> Iterator[Finding]:
    """FIL-X-006: a status word in the annex that the filing's legend does not define."""
    legend = {word.strip().lower() for word in filing.parsed.legend}
    if not legend:
        if any(row.status for row in filing.parsed.annex):
            yield _finding(
                SourceRef(filing.annex_document or filing.document, "Annex"),
                "FIL-X-006",
                Severity.WARNING,
                "the annex uses status words but the filing defines none of them",
            )
        return
    reported: set[str] = set()
    for index, row in enumerate(filing.parsed.annex, 1):
        word = row.status.strip()
        if word and word.lower() not in legend and word.lower() not in reported:
            reported.add(word.lower())
            yield _finding(
                _at_row(filing, index, row),
                "FIL-X-006",
                Severity.WARNING,
                f'status "{word}" (first used for {row.name}) is not defined in the legend',
            )


def unknown_countries(filing: Filing) -> Iterator[Finding]:
    """FIL-X-007: an annex row whose country is no country (a covered-country check cannot see it)."""
    for index, row in enumerate(filing.parsed.annex, 1):
        if resolve_country(row.country) is None:
            yield _finding(
                _at_row(filing, index, row),
                "FIL-X-007",
                Severity.WARNING,
                f'{row.name} ({row.metal}): "{row.country or "no country"}" is not a country',
            )


def unread_annex_lines(filing: Filing) -> Iterator[Finding]:
    """FIL-X-008: a line in the annex that could not be read as a row."""
    for number, text in filing.parsed.unread_lines:
        yield _finding(
            _at_line(filing, number), "FIL-X-008", Severity.WARNING, f"annex line not read as a row: {text[:100]}"
        )


def annex_present(filing: Filing) -> Iterator[Finding]:
    """FIL-E-003: the filing lists no smelters or refiners."""
    if not filing.parsed.annex:
        yield _finding(
            SourceRef(filing.annex_document or filing.document, "Annex"),
            "FIL-E-003",
            Severity.ERROR,
            "no smelter or refiner is listed",
        )


Rule = Callable[[Filing], Iterator[Finding]]
RULES: tuple[Rule, ...] = (
    placeholders_left,
    website_link,
    outdated_terms,
    completeness,
    status_list_known,
    annex_present,
    total_against_annex,
    status_counts,
    covered_countries,
    africa,
    duplicate_rows,
    status_words_defined,
    unknown_countries,
    unread_annex_lines,
)


def check_filing(filing: Filing, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Run every rule; errors first, then warnings, each in document order."""
    found = [finding for rule in rules for finding in rule(filing)]
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(found, key=lambda f: order[f.severity])


def sections_of(lines: Sequence[str], headings: Sequence[str]) -> tuple[str, ...]:
    """The heading each line is under, given the headings' texts."""
    wanted = {h.strip().lower() for h in headings}
    current = ""
    out = []
    for line in lines:
        text = line.strip().lstrip("#").strip().strip("*").strip()
        if text.lower() in wanted:
            current = text
        out.append(current)
    return tuple(out)
