"""Read the Declaration sheet: the company block, Q1-Q8 per metal and company questions A-H."""

from __future__ import annotations

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.grid import Grid
from conflict_minerals.cmrt.values import clean_text, fold, match_option, parse_date
from conflict_minerals.model import (
    COMPANY_QUESTION_KEYS,
    DECLARATION_METAL_ORDER,
    QUESTION_KEYS,
    Answer,
    Company,
    Finding,
    Severity,
    SourceRef,
)

_SCOPE_KEYS = {fold(text): letter for letter, text in layout.SCOPE_OPTIONS.items()}


def read_company(
    grid: Grid, source: SourceRef, cells: dict[str, str] | None = None, prefix: str = "CMRT"
) -> tuple[Company, list[Finding]]:
    """Read the company block of the Declaration (CMRT rows 8-22, or the cells given) into a Company record."""
    cells = cells or layout.COMPANY_CELLS
    findings: list[Finding] = []
    text = {field: clean_text(grid.cell(ref)) for field, ref in cells.items()}
    scope = _scope_letter(text["declaration_scope"])
    if text["declaration_scope"] and scope is None:
        findings.append(_unknown_scope(source, text["declaration_scope"], cells["declaration_scope"], prefix))
    raw_date = grid.cell(cells["effective_date"])
    effective, ambiguous = parse_date(raw_date)
    findings += _date_findings(source, text["effective_date"], effective, ambiguous, cells["effective_date"], prefix)
    company = Company(
        **{field: value for field, value in text.items() if field not in ("declaration_scope", "effective_date")},
        declaration_scope=scope,
        effective_date=effective,
        effective_date_raw=clean_text(raw_date),
    )
    return company, findings


def _scope_letter(text: str | None) -> str | None:
    if text is None:
        return None
    letter = _SCOPE_KEYS.get(fold(text))
    if letter is None and fold(text)[:2] in ("a.", "b.", "c."):
        letter = text.strip()[0].upper()
    return letter


def _unknown_scope(source: SourceRef, value: str, cell: str, prefix: str) -> Finding:
    return Finding(
        source.at(layout.DECLARATION, cell),
        f"{prefix}-D-002",
        Severity.ERROR,
        f"Declaration scope '{value}' is not one of the template's options (A. Company, B. Product, C. User defined).",
    )


def _date_findings(
    source: SourceRef, raw: str | None, parsed: object, ambiguous: bool, cell: str, prefix: str
) -> list[Finding]:
    where = source.at(layout.DECLARATION, cell)
    if raw is not None and parsed is None:
        message = f"Effective date '{raw}' is not a date (use DD-MMM-YYYY)."
        return [Finding(where, f"{prefix}-D-003", Severity.ERROR, message)]
    if ambiguous:
        message = f"Effective date '{raw}' could be read day-first or month-first; it was read as month/day/year."
        return [Finding(where, f"{prefix}-D-004", Severity.WARNING, message)]
    return []


def read_answers(grid: Grid, source: SourceRef) -> tuple[tuple[Answer, ...], list[Finding]]:
    """Read Q1-Q8 for every metal, normalised to the template's English options."""
    answers: list[Answer] = []
    for question in QUESTION_KEYS:
        for metal in DECLARATION_METAL_ORDER:
            cell, comment_cell = layout.question_cells(question, metal)
            value, known = match_option(grid.cell(cell), layout.QUESTION_OPTIONS[question], layout.ANSWER_ALIASES)
            comment = clean_text(grid.cell(comment_cell))
            answers.append(Answer(question, metal, value, comment, cell, comment_cell, known))
    return tuple(answers), _unrecognized(answers, source)


def read_company_answers(grid: Grid, source: SourceRef) -> tuple[tuple[Answer, ...], list[Finding]]:
    """Read the company-level questions A-H."""
    answers: list[Answer] = []
    for question in COMPANY_QUESTION_KEYS:
        cell, comment_cell = layout.company_question_cells(question)
        options = layout.COMPANY_QUESTION_OPTIONS[question]
        value, known = match_option(grid.cell(cell), options, layout.ANSWER_ALIASES)
        comment = clean_text(grid.cell(comment_cell))
        answers.append(Answer(question, None, value, comment, cell, comment_cell, known))
    return tuple(answers), _unrecognized(answers, source)


def _unrecognized(answers: list[Answer], source: SourceRef) -> list[Finding]:
    findings = []
    for answer in answers:
        if not answer.recognized:
            subject = f"{answer.question} ({answer.metal})" if answer.metal else f"question {answer.question}"
            message = (
                f"Answer '{answer.value}' to {subject} is not one of the template's options; choose from the list."
            )
            findings.append(Finding(source.at(layout.DECLARATION, answer.cell), "CMRT-D-005", Severity.ERROR, message))
    return findings
