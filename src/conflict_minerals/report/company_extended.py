"""The company's own EMRT, CRT or AMRT for its customers: its minerals, answers and the facilities named.

The company block comes from the settings (as in the company's CMRT). Answers are derived
conservatively: 'Unknown' (or blank where the question has no such option) when nothing
establishes them, and company questions only as confirmed in [due_diligence]. Every answer
comes with the rule that gave it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from conflict_minerals.cmrt.extended_writer import ExtendedFill, GivenAnswer, answer_minerals
from conflict_minerals.cmrt.templates import ExtendedLayout, Question
from conflict_minerals.model import Company, MineralSmelterRow
from conflict_minerals.program.settings import CompanySettings, DueDiligenceSettings
from conflict_minerals.report.company_cmrt import DerivedAnswer, company_block

# Company questions answered from [due_diligence], per template type (the CRT words them differently).
_CONFIRMED = {
    "EMRT": {
        "A": "policy_adopted",
        "C": "requires_validated_smelters",
        "D": "due_diligence_measures",
        "F": "reviews_supplier_information",
        "G": "corrective_action_management",
    },
    "CRT": {
        "C": "due_diligence_measures",
        "E": "requires_validated_smelters",
        "H": "reviews_supplier_information",
        "I": "corrective_action_management",
    },
}
_PUBLIC_POLICY = {"EMRT": "B", "CRT": "A"}  # "is the policy publicly available" (the URL goes in the comment)
_SURVEY = {"EMRT": "E", "CRT": "G"}
_NOT_DECLARED = ("Not applicable for this declaration", "Not declaring")


def declared_minerals(
    spec: ExtendedLayout, given: Sequence[str], smelters: Sequence[MineralSmelterRow]
) -> tuple[str, ...]:
    """The minerals declared: those given, else the template's own, else those the facilities were named for."""
    offered = spec.fixed_minerals or spec.slot_minerals
    spelled = {m.casefold(): m for m in (*offered, *spec.mineral_options)}  # the template's own spelling
    if given:
        unknown = [m for m in given if offered and m.casefold() not in spelled]
        if unknown:
            covered = ", ".join(offered)
            raise ValueError(f"{spec.type} {spec.revisions[-1]} has no {', '.join(unknown)}: it covers {covered}.")
    elif offered:
        return offered
    chosen = given or [row.mineral for row in smelters if row.mineral]
    if not chosen:
        raise ValueError(f"An {spec.type} declares the minerals the company chooses; name at least one.")
    return tuple(dict.fromkeys(spelled.get(m.strip().casefold(), m.strip()) for m in chosen))


def derive_extended(
    spec: ExtendedLayout,
    minerals: Sequence[str],
    smelters: Sequence[MineralSmelterRow],
    settings: CompanySettings,
    confirmed: DueDiligenceSettings,
) -> list[DerivedAnswer]:
    """Derive each mineral's answers and the company questions, each with its rule."""
    declared = {m.casefold() for m in minerals}
    derived: list[DerivedAnswer] = []
    for mineral in answer_minerals(spec, minerals):
        named = sum(1 for row in smelters if (row.mineral or "").casefold() == mineral.casefold())
        for question in spec.questions:
            if question.minerals is None or mineral in question.minerals:
                derived.append(_mineral_answer(question, mineral, mineral.casefold() in declared, named))
        for company_question in spec.company_questions:
            if company_question.per_mineral and mineral.casefold() in declared:
                setting = _CONFIRMED.get(spec.type, {}).get(company_question.key)
                derived.append(_confirmed(company_question.key, mineral, confirmed, setting))
    for company_question in spec.company_questions:
        if not company_question.per_mineral:
            derived.append(_company_answer(spec, company_question.key, settings, confirmed, bool(smelters)))
    return derived


def _mineral_answer(question: Question, mineral: str, declared: bool, named: int) -> DerivedAnswer:
    if not declared:
        if question.key != "Q1":
            return DerivedAnswer(question.key, mineral, "", "left blank: the mineral is not declared")
        option = next((o for o in _NOT_DECLARED if o in question.options), "Unknown")
        return DerivedAnswer("Q1", mineral, option, "the company does not declare this mineral")
    if question.key == "Q1" and named:
        return DerivedAnswer("Q1", mineral, "Yes", f"suppliers named {named} facility row(s) for {mineral}")
    if "Unknown" in question.options:
        return DerivedAnswer(question.key, mineral, "Unknown", "'Unknown': nothing the program holds establishes it")
    return DerivedAnswer(question.key, mineral, "", "left blank: nothing the program holds establishes it")


def _confirmed(key: str, mineral: str | None, confirmed: DueDiligenceSettings, setting: str | None) -> DerivedAnswer:
    value = getattr(confirmed, setting) if setting else None
    if value is None:
        why = f"set due_diligence.{setting}" if setting else "no setting answers it"
        return DerivedAnswer(key, mineral, "", f"left blank: not confirmed ({why})")
    return DerivedAnswer(key, mineral, "Yes" if value else "No", f"as confirmed in due_diligence.{setting}")


def _company_answer(
    spec: ExtendedLayout, key: str, settings: CompanySettings, confirmed: DueDiligenceSettings, surveyed: bool
) -> DerivedAnswer:
    if key == _PUBLIC_POLICY.get(spec.type):
        policy = confirmed.policy_adopted
        if policy is None:
            return DerivedAnswer(
                key, None, "", "left blank: the policy is not confirmed (set due_diligence.policy_adopted)"
            )
        public = bool(policy and settings.policy_url)
        return DerivedAnswer(
            key, None, "Yes" if public else "No", "'Yes' when a confirmed policy has company.policy_url"
        )
    if key == _SURVEY.get(spec.type):
        option = next(o for q in spec.company_questions if q.key == key for o in q.options)
        if surveyed:
            return DerivedAnswer(key, None, option, "suppliers' facility rows for these minerals were received")
        return DerivedAnswer(key, None, "", "left blank: no supplier survey of these minerals is recorded")
    return _confirmed(key, None, confirmed, _CONFIRMED.get(spec.type, {}).get(key))


def extended_fill(
    spec: ExtendedLayout,
    settings: CompanySettings,
    minerals: Sequence[str],
    derived: Sequence[DerivedAnswer],
    smelters: Sequence[MineralSmelterRow],
    effective: dt.date,
) -> ExtendedFill:
    """The declaration to write: the company block, the answers given (blank ones left out) and the facilities."""
    per_mineral = {q.key for q in spec.questions}
    given = [
        (a.question in per_mineral, GivenAnswer(a.question, a.metal, a.answer, _comment(spec, a, settings)))
        for a in derived
        if a.answer
    ]
    declared = {m.casefold(): m for m in minerals}
    rows = _unique(
        replace(row, mineral=declared[(row.mineral or "").casefold()])
        for row in smelters
        if (row.mineral or "").casefold() in declared
    )
    return ExtendedFill(
        Company(**company_block(settings, effective)),
        tuple(minerals),
        tuple(answer for is_question, answer in given if is_question),
        tuple(answer for is_question, answer in given if not is_question),
        rows,
    )


def _comment(spec: ExtendedLayout, answer: DerivedAnswer, settings: CompanySettings) -> str | None:
    public = answer.question == _PUBLIC_POLICY.get(spec.type) and answer.metal is None and answer.answer == "Yes"
    return settings.policy_url if public else None


def _unique(rows: Iterable[MineralSmelterRow]) -> tuple[MineralSmelterRow, ...]:
    """One row per facility and mineral (by ID, else by name and country), in the order first named."""
    seen: dict[tuple[str, ...], MineralSmelterRow] = {}
    for row in rows:
        key = (row.mineral or "", row.smelter_id or "", "" if row.smelter_id else f"{row.name}|{row.country}")
        seen.setdefault(key, row)
    return tuple(seen.values())
