"""The company's own CMRT for its customers: answers derived from suppliers' CMRTs and the consolidated list.

Every derived answer comes with the rule that produced it, so the company can explain it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conflict_minerals.cmrt import layout
from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
from conflict_minerals.cmrt.patcher import patch_workbook
from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.model import COMPANY_QUESTION_KEYS, DECLARATION_METAL_ORDER, Metal
from conflict_minerals.program.campaign import RequestState
from conflict_minerals.program.documents import Declared
from conflict_minerals.program.settings import CompanySettings, DueDiligenceSettings
from conflict_minerals.report.build import Gathered
from conflict_minerals.smelters.consolidate import ConsolidatedFacility


@dataclass(frozen=True, slots=True)
class DerivedAnswer:
    """One answer of the company's CMRT and the rule that gave it."""

    question: str
    metal: str | None
    answer: str
    rule: str


def _answers(documents: Sequence[Declared], metal: Metal, question: str) -> list[str]:
    return [a.value for d in documents if (a := d.answer(metal, question)) is not None and a.value]


def _using(documents: Sequence[Declared], metal: Metal) -> list[Declared]:
    return [d for d in documents if (a := d.answer(metal, "Q1")) is not None and a.value == "Yes"]


def response_category(rate: float) -> str:
    """Map a response rate to the CMRT's Q6 options."""
    if rate >= 1:
        return "100%"
    for threshold, label in ((0.9, "Greater than 90%"), (0.75, "Greater than 75%"), (0.5, "Greater than 50%")):
        if rate > threshold:
            return label
    return "50% or less" if rate > 0 else "None"


def derive_answers(
    gathered: Gathered, settings: CompanySettings, confirmed: DueDiligenceSettings | None = None
) -> list[DerivedAnswer]:
    """Derive Q1-Q8 per metal from the suppliers' answers and facilities, and A-H from what the company confirmed."""
    documents = [c.document for c in gathered.cmrts]
    facilities = gathered.run.consolidation.facilities
    in_scope = [v for v in gathered.views if v.state is not RequestState.NOT_APPLICABLE]
    responded = sum(1 for v in in_scope if v.current_submission_id is not None)
    rate = responded / len(in_scope) if in_scope else 0.0
    derived: list[DerivedAnswer] = []
    for metal in DECLARATION_METAL_ORDER:
        derived += _metal_answers(metal, documents, [f for f in facilities if f.metal is metal], rate)
    derived += _company_answers(settings, confirmed or DueDiligenceSettings())
    return derived


def _metal_answers(
    metal: Metal, documents: Sequence[Declared], facilities: Sequence[ConsolidatedFacility], rate: float
) -> list[DerivedAnswer]:
    users = _using(documents, metal)
    m = metal.value
    if not users and not facilities:
        return [
            DerivedAnswer("Q1", m, "No", "no supplier answered Q1 'Yes' and no facility was listed"),
            DerivedAnswer("Q2", m, "No", "not used"),
        ]
    out = [DerivedAnswer("Q1", m, "Yes", f"{len(users)} supplier(s) answered Q1 'Yes' or listed facilities")]
    remains = "Yes" if "Yes" in _answers(documents, metal, "Q2") or not _answers(documents, metal, "Q2") else "No"
    out.append(DerivedAnswer("Q2", m, remains, "'Yes' when any supplier answered Q2 'Yes'"))
    covered = any(f.covered_country for f in facilities)
    out.append(
        _yes_no_unknown("Q3", m, _answers(users, metal, "Q3"), covered, "a facility is located in a Covered Country")
    )
    cahra = any(f.cahra for f in facilities)
    out.append(
        _yes_no_unknown("Q4", m, _answers(users, metal, "Q4"), cahra, "a facility is located in a CAHRA country")
    )
    recycled = _answers(users, metal, "Q5")
    all_recycled = bool(recycled) and all(a == "Yes" for a in recycled) and len(recycled) == len(users)
    out.append(
        DerivedAnswer(
            "Q5",
            m,
            "Yes" if all_recycled else ("Unknown" if "Unknown" in recycled else "No"),
            "'Yes' only when every supplier of the metal answered Q5 'Yes'",
        )
    )
    out.append(DerivedAnswer("Q6", m, response_category(rate), f"our own campaign's response rate ({rate:.0%})"))
    complete = (
        rate >= 1
        and all(a == "Yes" for a in _answers(users, metal, "Q7"))
        and len(_answers(users, metal, "Q7")) == len(users)
    )
    out.append(
        DerivedAnswer(
            "Q7",
            m,
            "Yes" if complete else "No",
            "'Yes' only with every supplier responding and every supplier answering Q7 'Yes'",
        )
    )
    out.append(DerivedAnswer("Q8", m, "Yes", "we list every facility our suppliers reported"))
    return out


def _yes_no_unknown(question: str, metal: str, answers: list[str], located: bool, why: str) -> DerivedAnswer:
    if located or "Yes" in answers:
        return DerivedAnswer(question, metal, "Yes", f"'Yes' when any supplier answered 'Yes' or {why}")
    if "Unknown" in answers or not answers:
        return DerivedAnswer(
            question, metal, "Unknown", "'Unknown' when any supplier answered 'Unknown' or none answered"
        )
    return DerivedAnswer(
        question, metal, "No", "'No' only when every supplier answered 'No' and no facility says otherwise"
    )


def _confirmed(value: bool | None, setting: str) -> tuple[str, str]:
    if value is None:
        return "", f"left blank: not confirmed (set due_diligence.{setting})"
    return ("Yes" if value else "No"), f"as confirmed in due_diligence.{setting}"


def _company_answers(settings: CompanySettings, confirmed: DueDiligenceSettings) -> list[DerivedAnswer]:
    """A-H: only what the company confirmed (blank otherwise), and facts of the program (E, H)."""
    policy = confirmed.policy_adopted
    answers = {
        "A": _confirmed(policy, "policy_adopted"),
        "B": (
            ("Yes", "'Yes': a policy is confirmed and company.policy_url gives where it is published")
            if policy and settings.policy_url
            else ("No", "'No': the confirmed policy has no company.policy_url")
            if policy is not None
            else ("", "left blank: the policy is not confirmed (set due_diligence.policy_adopted)")
        ),
        "C": _confirmed(confirmed.requires_validated_smelters, "requires_validated_smelters"),
        "D": _confirmed(confirmed.due_diligence_measures, "due_diligence_measures"),
        "E": (layout.SURVEY_OPTIONS[0], "suppliers are surveyed with the CMRT (this campaign)"),
        "F": _confirmed(confirmed.reviews_supplier_information, "reviews_supplier_information"),
        "G": _confirmed(confirmed.corrective_action_management, "corrective_action_management"),
        "H": (
            "Yes, with the SEC" if settings.sec_file_number else "No",
            "'Yes, with the SEC' when the settings give sec_file_number",
        ),
    }
    return [DerivedAnswer(key, None, *answers[key]) for key in COMPANY_QUESTION_KEYS]


def company_block(settings: CompanySettings, effective: dt.date) -> dict[str, Any]:
    """The declaring company's block of every RMI template (CMRT, EMRT, CRT, AMRT), from the settings."""
    return {
        "name": settings.legal_name,
        "declaration_scope": "A",
        "unique_id": settings.unique_id or None,
        "unique_id_authority": settings.unique_id_authority or None,
        "address": settings.address or None,
        "contact_name": settings.contact_name,
        "contact_email": settings.contact_email,
        "contact_phone": settings.phone,
        "authorizer_name": settings.signer_name,
        "authorizer_title": settings.signer_title,
        "authorizer_email": settings.contact_email,
        "effective_date": effective,
    }


def company_declaration(
    settings: CompanySettings,
    derived: Sequence[DerivedAnswer],
    facilities: Sequence[ConsolidatedFacility],
    effective: dt.date,
) -> dict[str, Any]:
    """Return the company's CMRT in the `inspect --json` shape."""
    questions: dict[str, dict[str, str | None]] = {m.value.lower(): {} for m in Metal}
    company_questions: dict[str, str] = {}
    for answer in derived:
        if answer.metal:
            questions[answer.metal.lower()][answer.question] = answer.answer
        elif answer.answer:  # an unconfirmed answer stays blank in the workbook
            company_questions[answer.question] = answer.answer
    smelters = [
        {"smelter_id": f.smelter_id}
        if f.smelter_id
        else {
            "metal": f.metal.value if f.metal else None,
            "lookup_name": layout.NOT_LISTED,
            "name": f.name,
            "country": f.country,
        }
        for f in facilities
    ]
    return {
        "language": "English",
        "company": company_block(settings, effective),
        "questions": questions,
        "company_questions": company_questions,
        "company_question_comments": {"B": settings.policy_url} if company_questions.get("B") == "Yes" else {},
        "smelters": smelters,
        "products": [],
    }


def template_cells(data: dict[str, Any], layout_version: str) -> dict[str, dict[str, Any]]:
    """Translate the declaration into {sheet: {cell: value}} for the RMI template, clearing every input first."""
    declaration: dict[str, Any] = {layout.LANGUAGE_CELL: data["language"]}
    for field, ref in layout.COMPANY_CELLS.items():
        value = data["company"].get(field)
        declaration[ref] = layout.SCOPE_OPTIONS.get(value, value) if field == "declaration_scope" else value
    numeric_full = layout.stores_full_response_as_number(layout_version)
    for metal in DECLARATION_METAL_ORDER:
        for question in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"):
            answer, comment = layout.question_cells(question, metal)
            value = data["questions"][metal.value.lower()].get(question)
            declaration[answer] = 1 if (numeric_full and value == "100%") else value
            declaration[comment] = None
    for key in COMPANY_QUESTION_KEYS:
        answer, comment = layout.company_question_cells(key)
        declaration[answer] = data["company_questions"].get(key)
        declaration[comment] = data["company_question_comments"].get(key)
    smelter_list: dict[str, Any] = {
        f"{column}{row}": None
        for row in range(layout.SMELTER_HEADER_ROW + 1, layout.SMELTER_LAST_ROW + 1)
        for column in ("A", "D", "K", "L", "M", "N", "O", "P", "Q")
    }
    products = {
        f"{column}{row}": None
        for row in range(layout.PRODUCT_HEADER_ROW + 1, layout.product_last_row(layout_version) + 1)
        for column in ("B", "C", "D")
    }
    for offset, row in enumerate(data["smelters"]):
        number = layout.SMELTER_HEADER_ROW + 1 + offset
        for column, field in (
            ("A", "smelter_id"),
            ("B", "metal"),
            ("C", "lookup_name"),
            ("D", "name"),
            ("E", "country"),
        ):
            if row.get(field) is not None:
                smelter_list[f"{column}{number}"] = row[field]
    return {layout.DECLARATION: declaration, layout.SMELTER_LIST: smelter_list, layout.PRODUCT_LIST: products}


def write_company_cmrt(data: dict[str, Any], out: Path, template: Path | None) -> str:
    """Write the company's CMRT into an RMI template when one is given, else in our own 6.5 layout; say which."""
    if template is not None:
        sheet = read_lookup_sheet(template)
        if sheet.template != "CMRT":
            raise ValueError(f"{template} is not a CMRT template (it is an RMI {sheet.template}).")
        patch_workbook(template, out, template_cells(data, layout.layout_for(sheet.version)))
        return f"RMI CMRT {sheet.version} template {template.name}"
    from conflict_minerals.reference.snapshot import bundled_snapshot

    write_cmrt(out, data, bundled_snapshot().entries)
    return "our own CMRT 6.5 layout (no RMI template was given or received: customers may expect RMI's workbook)"
