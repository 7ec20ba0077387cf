"""Present a parsed CMRT: the documented `inspect --json` shape and a readable summary."""

from __future__ import annotations

from typing import Any

from conflict_minerals.model import (
    COMPANY_QUESTION_KEYS,
    DECLARATION_METAL_ORDER,
    QUESTION_KEYS,
    CmrtDocument,
    Company,
    Finding,
    Severity,
)

_COMPANY_FIELDS = (
    "name",
    "declaration_scope",
    "scope_description",
    "unique_id",
    "unique_id_authority",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "authorizer_name",
    "authorizer_title",
    "authorizer_email",
    "authorizer_phone",
)
_SMELTER_FIELDS = (
    "row",
    "metal",
    "smelter_id",
    "name",
    "country",
    "lookup_name",
    "id_source",
    "street",
    "city",
    "state_province",
    "contact_name",
    "contact_email",
    "next_steps",
    "mine_name",
    "mine_country",
    "recycled_scrap",
    "comments",
    "not_yet_identified",
    "not_listed",
)


def company_json(company: Company) -> dict[str, Any]:
    """The declaring company as every template's `inspect --json` shows it."""
    shown: dict[str, Any] = {field: getattr(company, field) for field in _COMPANY_FIELDS}
    shown["effective_date"] = company.effective_date.isoformat() if company.effective_date else None
    return shown


def document_to_json(doc: CmrtDocument) -> dict[str, Any]:
    """Return the documented JSON object for one read CMRT (see README, 'inspect --json')."""
    company = company_json(doc.company)
    return {
        "file": doc.source.file,
        "sha256": doc.sha256,
        "template": {"type": doc.template.type, "version": doc.template.version, "language": doc.template.language},
        "company": company,
        "questions": _per_metal(doc, comments=False),
        "question_comments": _per_metal(doc, comments=True),
        "company_questions": {key: _company(doc, key, comments=False) for key in COMPANY_QUESTION_KEYS},
        "company_question_comments": {key: _company(doc, key, comments=True) for key in COMPANY_QUESTION_KEYS},
        "smelters": [_smelter(row) for row in doc.smelters],
        "products": [
            {
                "number": p.number,
                "name": p.name,
                "comments": p.comments,
                "requester_number": p.requester_number,
                "requester_name": p.requester_name,
            }
            for p in doc.products
        ],
        "findings": [finding_to_json(f) for f in doc.findings],
    }


def _per_metal(doc: CmrtDocument, comments: bool) -> dict[str, dict[str, str | None]]:
    result: dict[str, dict[str, str | None]] = {}
    for metal in DECLARATION_METAL_ORDER:
        answers = {}
        for key in QUESTION_KEYS:
            answer = doc.answer(metal, key)
            answers[key] = None if answer is None else (answer.comment if comments else answer.value)
        result[metal.value.lower()] = answers
    return result


def _company(doc: CmrtDocument, key: str, comments: bool) -> str | None:
    answer = doc.company_answer(key)
    if answer is None:
        return None
    return answer.comment if comments else answer.value


def _smelter(row: Any) -> dict[str, Any]:
    data = {field: getattr(row, field) for field in _SMELTER_FIELDS}
    data["metal"] = row.metal.value if row.metal else None
    return data


def finding_to_json(finding: Finding) -> dict[str, Any]:
    """Return a finding as the JSON object every command uses."""
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.source.file,
        "sheet": finding.source.sheet,
        "cell": finding.source.cell,
    }


def has_errors(doc: CmrtDocument) -> bool:
    """Tell whether any finding of a document is an error."""
    return any(f.severity is Severity.ERROR for f in doc.findings)


def summary_lines(doc: CmrtDocument) -> list[str]:
    """Return a readable multi-line summary of a CMRT for the terminal."""
    c = doc.company
    lines = [
        f"{doc.source.file}",
        f"  Template   {doc.template.type} {doc.template.version} ({doc.template.language or 'language not set'})",
        f"  Company    {c.name or '(no name)'}  scope {c.declaration_scope or '?'}"
        f"  effective {c.effective_date.isoformat() if c.effective_date else '(no date)'}",
        f"  Contact    {c.contact_name or '-'}   Authorizer {c.authorizer_name or '-'}",
        "  Answers    " + "  ".join(_metal_summary(doc, metal) for metal in DECLARATION_METAL_ORDER),
    ]
    lines.append(f"  Smelters   {len(doc.smelters)} rows, {_smelter_breakdown(doc)}")
    if doc.products:
        lines.append(f"  Products   {len(doc.products)}")
    lines.append(f"  Findings   {_finding_counts(doc)}")
    for finding in doc.findings:
        if finding.severity is not Severity.INFO:
            where = f"{finding.source.sheet}!{finding.source.cell}" if finding.source.cell else finding.source.sheet
            lines.append(f"    {finding.severity.value:<7} {finding.code}  {where}  {finding.message}")
    return lines


def _metal_summary(doc: CmrtDocument, metal: Any) -> str:
    q1, q2 = doc.answer(metal, "Q1"), doc.answer(metal, "Q2")
    used = "used" if q1 and q1.value == "Yes" else "not used" if q1 and q1.value == "No" else "Q1 blank"
    remains = "" if not (q2 and q2.value) else f"/Q2 {q2.value}"
    return f"{metal.value}: {used}{remains}"


def _smelter_breakdown(doc: CmrtDocument) -> str:
    identified = sum(1 for r in doc.smelters if r.smelter_id)
    not_listed = sum(1 for r in doc.smelters if r.not_listed)
    not_yet = sum(1 for r in doc.smelters if r.not_yet_identified)
    return f"{identified} with Smelter ID, {not_listed} not listed, {not_yet} not yet identified"


def _finding_counts(doc: CmrtDocument) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in doc.findings:
        counts[finding.severity] += 1
    return ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity)
