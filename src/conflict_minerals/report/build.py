"""Compute the report model from a workspace: suppliers' current CMRTs, consolidation, status as of a date."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from conflict_minerals.model import DECLARATION_METAL_ORDER, Metal
from conflict_minerals.program.audit import escalations
from conflict_minerals.program.campaign import (
    RESPONDED,
    Campaign,
    RequestState,
    RequestView,
    overview,
    require_campaign,
)
from conflict_minerals.program.documents import Declared, declared_mine_countries, load_declared, stored_rows
from conflict_minerals.program.facilities import FacilityDecision, workspace_rulings
from conflict_minerals.program.refstore import load_status_snapshots
from conflict_minerals.program.refstore import reference_label as label_of
from conflict_minerals.program.schema import cahra_lists, findings
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.reference.countries import plain_country_name, resolve_country
from conflict_minerals.reference.status import StatusSnapshot
from conflict_minerals.report.compare import compare as compare_periods
from conflict_minerals.report.compare import find_baseline
from conflict_minerals.report.model import (
    METALS,
    STATUS_WORDS,
    AnnexRow,
    Evidence,
    Origin,
    ReportModel,
    RiskNote,
)
from conflict_minerals.report.runs import inputs_digest
from conflict_minerals.report.texts import render_texts
from conflict_minerals.smelters.consolidate import ConsolidatedFacility, Consolidation, RowOutcome, Ruling, merge_rows
from conflict_minerals.smelters.service import SmelterRun, status_list_summary
from conflict_minerals.smelters.status_book import StatusBook

BUCKETS = ("conformant", "active", "not_conformant", "not_listed")
LEFT_OUT = (RequestState.REJECTED, RequestState.NOT_APPLICABLE)  # their smelters are in no figure and no Annex
REPORT_QUESTIONS = ("Q1", "Q3")  # what the filing's figures read of each answer set (the company CMRT reads all)


@dataclass(frozen=True, slots=True)
class SupplierCmrt:
    """A supplier's current CMRT as used by the report."""

    view: RequestView
    document: Declared
    submission_id: int


def default_as_of(snapshots: Sequence[StatusSnapshot], today: dt.date) -> dt.date:
    """The date of the newest imported status list on or before today, else today."""
    return max((s.as_of for s in snapshots if s.as_of <= today), default=today)


@dataclass(frozen=True, slots=True)
class Gathered:
    """What a period's report and the company's own CMRT are computed from."""

    campaign: Campaign
    views: list[RequestView]
    cmrts: list[SupplierCmrt]
    run: SmelterRun
    as_of: dt.date


def gather(workspace: Workspace, year: int, as_of: dt.date | None = None, today: dt.date | None = None) -> Gathered:
    """Read the period's current CMRTs (stored rows) and consolidate their smelters as of the date."""
    rulings, _ = workspace_rulings(workspace, year)
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        return gather_campaign(connection, campaign, as_of, today or dt.date.today(), questions=None, rulings=rulings)


def gather_campaign(
    connection: Connection,
    campaign: Campaign,
    as_of: dt.date | None,
    today: dt.date,
    questions: Sequence[str] | None = REPORT_QUESTIONS,
    rulings: Mapping[str, Ruling] | None = None,
) -> Gathered:
    """Like gather, inside the caller's read transaction."""
    snapshots = load_status_snapshots(connection)
    as_of = as_of or default_as_of(snapshots, today)
    views = overview(connection, campaign)
    cmrts = _current_cmrts(connection, views, questions)
    book = StatusBook.build(snapshots, as_of)
    newest_cahra = connection.execute(select(cahra_lists.c.countries).order_by(cahra_lists.c.id.desc())).first()
    cahra = frozenset(json.loads(newest_cahra.countries)) if newest_cahra else frozenset()
    of = {c.submission_id: (c.document.source.file, c.view.supplier) for c in cmrts}
    result = merge_rows(stored_rows(connection, of, campaign.id), book, cahra, with_findings=False, rulings=rulings)
    return Gathered(campaign, views, cmrts, SmelterRun(result, book), as_of)


def build_report(
    workspace: Workspace,
    year: int,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    compare: int | None = None,
    signature_date: dt.date | None = None,
) -> ReportModel:
    """Compute every figure, the Annex and the evidence for a reporting period."""
    today = today or dt.date.today()
    revisions = workspace.reference.revisions()  # read once: the label and the rulings' mapped facilities
    reference_label = label_of(revisions)
    rulings, decisions = workspace_rulings(workspace, year, revisions)
    with workspace.read() as connection:
        gathered = gather_campaign(connection, require_campaign(connection, year), as_of, today, rulings=rulings)
        views, cmrts, run, as_of = gathered.views, gathered.cmrts, gathered.run, gathered.as_of
        open_errors = _open_errors(connection, cmrts)
        escalations = _escalations(connection, gathered.campaign)
        previous = compare if compare is not None else year - 1
        baseline = find_baseline(connection, previous) if previous != year else None
        origin = _origin(connection, gathered)
        digest = inputs_digest(connection, gathered.campaign.id, as_of)
    model = ReportModel(year, as_of, today, workspace.settings.company)
    model.status_lists = status_list_summary(run.status_book)
    model.inputs = [(c.submission_id, c.view.supplier) for c in cmrts]
    model.inputs_digest = digest
    covered_suppliers = frozenset(s for f in run.consolidation.facilities if f.covered_country for s in f.suppliers)
    _supplier_figures(model, views, cmrts, open_errors, escalations, covered_suppliers)
    _facility_figures(model, run.consolidation)
    model.annex = [_annex_row(f) for f in run.consolidation.facilities]
    model.risk_notes = [_risk(f) for f in run.consolidation.facilities if f.status.value == "not_listed"]
    model.working_papers = _working_papers(views, cmrts, open_errors, escalations, run.consolidation)
    model.working_papers["facility_decisions"] = _decision_papers(decisions, run.consolidation)
    counted = {c.submission_id for c in cmrts}
    model.working_papers["not_parsed"] = [
        {"supplier": v.supplier, "file": v.current_file}
        for v in views
        if v.current_submission_id and v.current_submission_id not in counted and v.state not in LEFT_OUT
    ]
    model.working_papers["older_reference"] = [
        {"supplier": c.view.supplier, "file": c.document.source.file, "reference": c.document.reference_version}
        for c in cmrts
        if reference_label is not None and c.document.reference_version != reference_label
    ]
    model.working_papers["status_conflicts"] = [
        {"smelter_id": sid, "status_used": kept, "status_set_aside": other}
        for sid, kept, other in run.status_book.conflicts
    ]
    model.origin = origin
    model.signature_date = signature_date
    if baseline is not None:
        model.comparison = compare_periods(baseline, views, run.consolidation.facilities, bool(model.status_lists))
    model.texts = render_texts(model, workspace.root / "templates", workspace.settings.due_diligence)
    return model


def _current_cmrts(
    connection: Connection, views: Sequence[RequestView], questions: Sequence[str] | None
) -> list[SupplierCmrt]:
    """Each supplier's current CMRT as stored, unless it was rejected."""
    chosen = [v for v in views if v.current_submission_id is not None and v.state not in LEFT_OUT]
    declared = load_declared(
        connection, [v.current_submission_id for v in chosen if v.current_submission_id], questions
    )
    return [
        SupplierCmrt(v, declared[v.current_submission_id], v.current_submission_id)
        for v in chosen
        if v.current_submission_id in declared
    ]


def _open_errors(connection: Connection, cmrts: Sequence[SupplierCmrt]) -> dict[str, list[str]]:
    by_submission = {c.submission_id: c.view.supplier for c in cmrts}
    codes: dict[str, list[str]] = {c.view.supplier: [] for c in cmrts}
    query = select(findings.c.submission_id, findings.c.code).where(
        findings.c.severity == "error", findings.c.waived.is_(False)
    )
    ids = list(by_submission)
    for start in range(0, len(ids), 500):
        chunk = query.where(findings.c.submission_id.in_(ids[start : start + 500])).order_by(findings.c.id)
        for submission_id, code in connection.execute(chunk):
            codes[by_submission[submission_id]].append(code)
    return codes


def _escalations(connection: Connection, campaign: Campaign) -> list[dict[str, str]]:
    return [
        {"supplier": e.supplier or "", "date": e.at.date().isoformat(), "reason": e.reason or ""}
        for e in escalations(connection, campaign.year)  # the 3TG report: CMRT requests only
        if e.supplier
    ]


def _origin(connection: Connection, gathered: Gathered) -> Origin:
    """Where the 3TG was mined, as far as suppliers declared it in their Smelter Lists' mine columns."""
    counted = [c.submission_id for c in gathered.cmrts]
    declared, rows = declared_mine_countries(connection, gathered.campaign.id, counted)
    countries: dict[str, tuple[str, ...]] = {}
    covered: set[str] = set()
    with_country = unrecognised = 0
    for metal in METALS:
        names: set[str] = set()
        for text, count in declared.get(metal, {}).items():
            country = resolve_country(text)
            if country is None:
                unrecognised += count
                continue
            with_country += count
            names.add(plain_country_name(text))
            if country.covered:
                covered.add(plain_country_name(text))
        if names:
            countries[metal] = tuple(sorted(names))
    source = "suppliers" if countries else "none"
    return Origin(source, countries, with_country, rows, tuple(sorted(covered)), unrecognised)


def _uses_3tg(document: Declared) -> bool:
    return any((a := document.answer(metal, "Q1")) is not None and a.value != "No" for metal in DECLARATION_METAL_ORDER)


def _denies_covered_countries(document: Declared) -> bool:
    used = [m for m in DECLARATION_METAL_ORDER if (a := document.answer(m, "Q1")) is not None and a.value == "Yes"]
    return bool(used) and all((a := document.answer(m, "Q3")) is not None and a.value == "No" for m in used)


def _supplier_figures(
    model: ReportModel,
    views: Sequence[RequestView],
    cmrts: Sequence[SupplierCmrt],
    open_errors: dict[str, list[str]],
    escalations: list[dict[str, str]],
    covered_suppliers: frozenset[str],
) -> None:
    def of(items: Sequence[SupplierCmrt]) -> list[Evidence]:
        return [Evidence(c.view.supplier, c.document.source.file) for c in items]

    out_of_scope = [v for v in views if v.state is RequestState.NOT_APPLICABLE]
    model.set("suppliers.out_of_scope", len(out_of_scope), [Evidence(v.supplier) for v in out_of_scope])
    views = [v for v in views if v.state is not RequestState.NOT_APPLICABLE]  # out of scope: not surveyed
    responded = [v for v in views if v.state in RESPONDED]
    model.set("suppliers.surveyed", len(views), [Evidence(v.supplier) for v in views])
    model.set("suppliers.responded", len(responded), [Evidence(v.supplier, v.current_file) for v in responded])
    model.set("suppliers.response_rate", round(len(responded) / len(views), 4) if views else 0.0)
    no_3tg = [c for c in cmrts if not _uses_3tg(c.document)]
    model.set("suppliers.no_3tg", len(no_3tg), of(no_3tg))
    denies = [c for c in cmrts if _denies_covered_countries(c.document)]
    model.set("suppliers.no_covered_country_sourcing", len(denies), of(denies))
    contradicted = [c for c in denies if c.view.supplier in covered_suppliers]
    model.set("suppliers.denial_contradicted", len(contradicted), of(contradicted))
    for key, scope in (("company_level", "A"), ("product_level", "B"), ("user_defined", "C")):
        chosen = [c for c in cmrts if _uses_3tg(c.document) and c.document.company.declaration_scope == scope]
        model.set(f"suppliers.{key}", len(chosen), of(chosen))
    incomplete = [c for c in cmrts if open_errors.get(c.view.supplier)]
    model.set("suppliers.incomplete", len(incomplete), of(incomplete))
    escalated = sorted({e["supplier"] for e in escalations})
    model.set("suppliers.escalated", len(escalated), [Evidence(name) for name in escalated])
    review_states = (RequestState.UNDER_REVIEW, RequestState.CORRECTION_REQUESTED)
    under_review = [c for c in cmrts if c.view.state in review_states]
    model.set("suppliers.under_review", len(under_review), of(under_review))


def _facility_figures(model: ReportModel, consolidation: Consolidation) -> None:
    facilities = consolidation.facilities
    model.facilities = {f.key: f for f in facilities}
    groups: dict[str, Sequence[ConsolidatedFacility]] = {"facilities": facilities}
    for metal in METALS:
        groups[f"facilities.by_metal.{metal}"] = [f for f in facilities if f.metal is Metal(metal)]
    for prefix, members in groups.items():
        model.set_facilities(f"{prefix}.total", members)
        for bucket in BUCKETS:
            chosen = [f for f in members if f.status.value == bucket]
            model.set_facilities(f"{prefix}.{bucket}", chosen)
    for key, attribute in (
        ("in_covered_countries", "covered_country"),
        ("in_cahras", "cahra"),
        ("in_africa", "in_africa"),
    ):
        chosen = [f for f in facilities if getattr(f, attribute)]
        model.set_facilities(f"facilities.{key}", chosen)


def _annex_row(facility: ConsolidatedFacility) -> AnnexRow:
    bucket = facility.status.value
    return AnnexRow(
        facility.metal.value if facility.metal else "",
        facility.smelter_id,
        facility.name,
        plain_country_name(facility.country),
        bucket,
        STATUS_WORDS[bucket],
    )


def _risk(facility: ConsolidatedFacility) -> RiskNote:
    country = plain_country_name(facility.country) or "unknown country"
    if facility.covered_country:
        risk, reason = "high", f"located in a Covered Country ({country}) and not audited under RMAP"
    elif facility.cahra:
        risk, reason = "high", f"located in a country with conflict-affected or high-risk areas ({country})"
    elif facility.in_africa:
        risk, reason = "elevated", f"located in Africa ({country}), near the Covered Countries, and not audited"
    elif facility.smelter_id is None:
        risk, reason = "undetermined", "not identified as a smelter or refiner in RMI's reference list"
    else:
        risk, reason = "moderate", f"located outside the Covered Countries ({country}) but not audited under RMAP"
    return RiskNote(facility.name, facility.metal.value if facility.metal else "", country, risk, reason)


def _working_papers(
    views: Sequence[RequestView],
    cmrts: Sequence[SupplierCmrt],
    open_errors: dict[str, list[str]],
    escalations: list[dict[str, str]],
    consolidation: Consolidation,
) -> dict[str, object]:
    return {
        "suppliers": [
            {
                "supplier": v.supplier,
                "state": v.state.value,
                "current_file": v.current_file,
                "version": v.current_version,
            }
            for v in views
        ],
        "under_review": [
            {"supplier": c.view.supplier, "file": c.document.source.file, "state": c.view.state.value}
            for c in cmrts
            if c.view.state in (RequestState.UNDER_REVIEW, RequestState.CORRECTION_REQUESTED)
        ],
        "incomplete": [{"supplier": s, "open_errors": codes} for s, codes in open_errors.items() if codes],
        "escalations": escalations,
        "unmatched_rows": _outcome_rows(consolidation.unmatched),
        "rejected_rows": _outcome_rows(consolidation.rejected),
        "excluded_rows": _outcome_rows(consolidation.excluded),
    }


def _outcome_rows(outcomes: Sequence[RowOutcome]) -> list[dict[str, object]]:
    """Supplier rows left out of the facilities, each with who gave it, where and why."""
    return [
        {"supplier": o.source.supplier, "file": o.source.file, "row": o.source.row, "name": o.name, "reason": o.reason}
        for o in outcomes
    ]


def _decision_papers(decisions: Sequence[FacilityDecision], consolidation: Consolidation) -> list[dict[str, object]]:
    """Every reviewer decision in force for the period, with the supplier rows it decided."""
    rows = dict(consolidation.rulings_used)
    return [
        {
            "name": d.name,
            "metal": d.metal.value if d.metal else "",
            "country": plain_country_name(d.country) or d.country or "",
            "decision": d.describe(),
            "reason": d.reason,
            "by": d.actor,
            "on": d.decided_at.strftime("%Y-%m-%d"),
            "rows": rows.get(d.id, 0),
        }
        for d in decisions
    ]


def report_json_text(model: ReportModel) -> str:
    """Serialise report.json."""
    return json.dumps(model.as_json(), indent=2, ensure_ascii=False) + "\n"
