"""Present a parsed EMRT, CRT or AMRT: the documented `inspect --json` shape and a readable summary."""

from __future__ import annotations

import dataclasses
from typing import Any

from conflict_minerals.inspection import company_json, finding_to_json
from conflict_minerals.model import ExtendedDocument, MineralAnswer, Severity


def extended_to_json(doc: ExtendedDocument) -> dict[str, Any]:
    """Return the documented JSON object for one read extended template (see README, 'inspect --json')."""
    return {
        "file": doc.source.file,
        "sha256": doc.sha256,
        "template": dataclasses.asdict(doc.template),
        "company": company_json(doc.company),
        "minerals": list(doc.minerals),
        "answers": [_answer(a) for a in doc.answers],
        "company_answers": [_answer(a) for a in doc.company_answers],
        "smelters": [dataclasses.asdict(r) | {"not_listed": r.not_listed} for r in doc.smelters],
        "mines": [dataclasses.asdict(m) for m in doc.mines],
        "products": [dataclasses.asdict(p) for p in doc.products],
        "scope_reasons": [{"mineral": m, "reason": r} for m, r in doc.scope_reasons],
        "findings": [finding_to_json(f) for f in doc.findings],
    }


def _answer(answer: MineralAnswer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "mineral": answer.mineral,
        "value": answer.value,
        "comment": answer.comment,
        "cell": answer.cell,
    }


def extended_summary(doc: ExtendedDocument) -> list[str]:
    """Return a readable multi-line summary of an extended template for the terminal."""
    c = doc.company
    used = "  ".join(f"{m}: Q1 {(doc.answer(m, 'Q1') or _blank()).value or 'blank'}" for m in doc.minerals)
    counts = {s: sum(1 for f in doc.findings if f.severity is s) for s in Severity}
    lines = [
        doc.source.file,
        f"  Template   {doc.template.type} {doc.template.version} ({doc.template.language or 'language not set'})",
        f"  Company    {c.name or '(no name)'}  scope {c.declaration_scope or '?'}"
        f"  effective {c.effective_date.isoformat() if c.effective_date else '(no date)'}",
        f"  Minerals   {used or 'none selected'}",
        f"  Smelters   {len(doc.smelters)} rows   Mines {len(doc.mines)}   Products {len(doc.products)}",
        "  Findings   " + ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity),
    ]
    for finding in doc.findings:
        if finding.severity is not Severity.INFO:
            where = f"{finding.source.sheet}!{finding.source.cell}" if finding.source.cell else finding.source.sheet
            lines.append(f"    {finding.severity.value:<7} {finding.code}  {where}  {finding.message}")
    return lines


def _blank() -> MineralAnswer:
    return MineralAnswer("Q1", None, None, None, "", "")
