"""The checks the template's own Checker sheet makes, as small named rules with stable codes.

Each rule takes the parsed document and returns findings; deeper review rules live in
conflict_minerals.review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from conflict_minerals.cmrt import layout
from conflict_minerals.model import (
    COMPANY_QUESTION_KEYS,
    DECLARATION_METAL_ORDER,
    CmrtDocument,
    Finding,
    Metal,
    Severity,
)

Rule = Callable[[CmrtDocument], Iterator[Finding]]

_REQUIRED_COMPANY = (
    ("name", "CMRT-C-001", "Company name"),
    ("declaration_scope", "CMRT-C-002", "Declaration scope"),
    ("contact_name", "CMRT-C-004", "Contact name"),
    ("contact_phone", "CMRT-C-006", "Contact phone"),
    ("authorizer_name", "CMRT-C-007", "Authorizer"),
)


def _missing(doc: CmrtDocument, cell: str, code: str, message: str) -> Finding:
    return Finding(doc.source.at(layout.DECLARATION, cell), code, Severity.ERROR, message)


def required_company_fields(doc: CmrtDocument) -> Iterator[Finding]:
    """Company name, scope, contact name and phone and authorizer must be filled (Checker rows 4-10)."""
    for field, code, label in _REQUIRED_COMPANY:
        if getattr(doc.company, field) is None:
            yield _missing(doc, layout.COMPANY_CELLS[field], code, f"{label} is required.")


def scope_description(doc: CmrtDocument) -> Iterator[Finding]:
    """Scope C (user defined) needs a description of the scope (Checker row 6)."""
    if doc.company.declaration_scope == "C" and doc.company.scope_description is None:
        yield _missing(doc, "D10", "CMRT-C-003", "Scope C (user defined) needs a description of scope in D10.")


def email_addresses(doc: CmrtDocument) -> Iterator[Finding]:
    """Contact and authorizer e-mails must contain '@' (Checker rows 8 and 11)."""
    for field, code, label in (
        ("contact_email", "CMRT-C-005", "Contact e-mail"),
        ("authorizer_email", "CMRT-C-008", "Authorizer e-mail"),
    ):
        value = getattr(doc.company, field)
        if value is None or "@" not in value:
            shown = f" ('{value}')" if value else ""
            yield _missing(doc, layout.COMPANY_CELLS[field], code, f"{label}{shown} must be an e-mail address.")


def effective_date(doc: CmrtDocument) -> Iterator[Finding]:
    """The effective date is required (Checker row 12)."""
    if doc.company.effective_date_raw is None:
        yield _missing(doc, "D22", "CMRT-C-009", "Effective date is required (DD-MMM-YYYY).")


def metals_in_scope(doc: CmrtDocument) -> list[Metal]:
    """Return the metals whose Q3-Q8 are required: neither Q1 nor Q2 answered 'No'."""
    in_scope = []
    for metal in DECLARATION_METAL_ORDER:
        q1, q2 = doc.answer(metal, "Q1"), doc.answer(metal, "Q2")
        if (q1 and q1.value == "No") or (q2 and q2.value == "No"):
            continue
        in_scope.append(metal)
    return in_scope


def question_answers(doc: CmrtDocument) -> Iterator[Finding]:
    """Q1 always; Q2 unless Q1 is 'No'; Q3-Q8 for metals in scope (Checker rows 14-52)."""
    scope = metals_in_scope(doc)
    for answer in doc.answers:
        assert answer.metal is not None
        q1 = doc.answer(answer.metal, "Q1")
        needed = (
            answer.question == "Q1"
            or (answer.question == "Q2" and not (q1 and q1.value == "No"))
            or (answer.question not in ("Q1", "Q2") and answer.metal in scope)
        )
        if needed and answer.value is None:
            message = f"{answer.question} for {answer.metal} is required."
            yield _missing(doc, answer.cell, f"CMRT-C-1{answer.question[1]}0", message)


def company_questions(doc: CmrtDocument) -> Iterator[Finding]:
    """A-H are required when any metal is in scope; B 'Yes' needs the policy URL (rows 54-63)."""
    if not metals_in_scope(doc):
        return
    for answer in doc.company_answers:
        if answer.value is None:
            code = f"CMRT-C-2{COMPANY_QUESTION_KEYS.index(answer.question)}0"
            yield _missing(doc, answer.cell, code, f"Company question {answer.question} is required.")
    policy = doc.company_answer("B")
    if policy and policy.value == "Yes" and len(policy.comment or "") <= 1:
        yield _missing(
            doc, policy.comment_cell, "CMRT-C-211", "Question B is 'Yes': give the policy URL in the comment."
        )


def product_list(doc: CmrtDocument) -> Iterator[Finding]:
    """Scope B (product list) needs at least one product (Checker row 64)."""
    if doc.company.declaration_scope == "B" and not doc.products:
        where = doc.source.at(layout.PRODUCT_LIST, "B6")
        yield Finding(where, "CMRT-C-301", Severity.ERROR, "Scope B needs the products listed on the Product List.")


def smelters_per_metal(doc: CmrtDocument) -> Iterator[Finding]:
    """Each metal in scope needs at least one Smelter List row (Checker rows 65-68)."""
    listed = {row.metal for row in doc.smelters if row.metal is not None and (row.lookup_name or row.smelter_id)}
    for metal in metals_in_scope(doc):
        if metal not in listed:
            where = doc.source.at(layout.SMELTER_LIST, "B5")
            message = f"{metal} is in scope but the Smelter List names no {metal} smelter."
            yield Finding(where, "CMRT-C-302", Severity.ERROR, message)


def gated_answers(doc: CmrtDocument) -> Iterator[Finding]:
    """Answers left behind after Q1/Q2 turned 'No' are ignored by the template; say so (pitfall P9)."""
    scope = metals_in_scope(doc)
    for answer in doc.answers:
        assert answer.metal is not None
        if answer.metal in scope or answer.value is None or answer.question == "Q1":
            continue
        q1 = doc.answer(answer.metal, "Q1")
        if answer.question == "Q2" and not (q1 and q1.value == "No"):
            continue
        where = doc.source.at(layout.DECLARATION, answer.cell)
        message = (
            f"{answer.question} for {answer.metal} is answered although Q1/Q2 say the metal is not used; "
            "the answer is ignored."
        )
        yield Finding(where, "CMRT-D-006", Severity.INFO, message)


CHECKER_RULES: tuple[Rule, ...] = (
    required_company_fields,
    scope_description,
    email_addresses,
    effective_date,
    question_answers,
    company_questions,
    product_list,
    smelters_per_metal,
    gated_answers,
)


def run_checker(doc: CmrtDocument) -> list[Finding]:
    """Run every Checker rule over a document."""
    return [finding for rule in CHECKER_RULES for finding in rule(doc)]
