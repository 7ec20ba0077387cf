"""Compute the report model from a workspace: suppliers' current CMRTs, consolidation, status as of a date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, and_, select

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.model import DECLARATION_METAL_ORDER, CmrtDocument, Metal, SourceRef
from conflict_minerals.program.campaign import (
    RESPONDED,
    Campaign,
    RequestState,
    RequestView,
    find_campaign,
    overview,
    require_campaign,
)
from conflict_minerals.program.decisions import submission_findings
from conflict_minerals.program.schema import events, files, submissions, suppliers
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.model import STATUS_WORDS, AnnexRow, Comparison, Evidence, ReportModel, RiskNote
from conflict_minerals.report.texts import render_texts
from conflict_minerals.smelters.consolidate import ConsolidatedFacility, Consolidation
from conflict_minerals.smelters.service import SmelterRun, run_consolidation, status_list_summary

METALS = tuple(metal.value for metal in DECLARATION_METAL_ORDER)
BUCKETS = ("conformant", "active", "not_conformant", "not_listed")


@dataclass(frozen=True, slots=True)
class SupplierCmrt:
    """A supplier's current CMRT as used by the report."""

    view: RequestView
    document: CmrtDocument
    submission_id: int
    stored: Path


def default_as_of(workspace: Workspace, today: dt.date) -> dt.date:
    """The date of the newest imported status list on or before today, else today."""
    dates = [s.as_of for s in workspace.reference.status_snapshots() if s.as_of <= today]
    return max(dates, default=today)


@dataclass(frozen=True, slots=True)
class Gathered:
    """What a period's report and the company's own CMRT are computed from."""

    campaign: Campaign
    views: list[RequestView]
    cmrts: list[SupplierCmrt]
    run: SmelterRun
    as_of: dt.date


def gather(workspace: Workspace, year: int, as_of: dt.date | None = None, today: dt.date | None = None) -> Gathered:
    """Read the period's current CMRTs and consolidate their smelters as of the date."""
    as_of = as_of or default_as_of(workspace, today or dt.date.today())
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, year)
        views = overview(connection, campaign)
        cmrts = _current_cmrts(workspace, connection, views)
    run = run_consolidation([c.document for c in cmrts], workspace.reference, as_of)
    return Gathered(campaign, views, cmrts, run, as_of)


def build_report(
    workspace: Workspace,
    year: int,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    compare: int | None = None,
) -> ReportModel:
    """Compute every figure, the Annex and the evidence for a reporting period."""
    today = today or dt.date.today()
    gathered = gather(workspace, year, as_of, today)
    views, cmrts, run, as_of = gathered.views, gathered.cmrts, gathered.run, gathered.as_of
    with workspace.transaction() as connection:
        open_errors = {
            c.view.supplier: [
                f.code for f in submission_findings(connection, c.submission_id, False) if f.severity == "error"
            ]
            for c in cmrts
        }
        escalations = _escalations(connection, gathered.campaign)
        previous = find_campaign(connection, compare if compare is not None else year - 1)
    model = ReportModel(year, as_of, today, workspace.settings.company)
    model.status_lists = status_list_summary(run.status_book)
    _supplier_figures(model, views, cmrts, open_errors, escalations)
    _facility_figures(model, run.consolidation)
    model.annex = [_annex_row(f) for f in run.consolidation.facilities]
    model.risk_notes = [_risk(f) for f in run.consolidation.facilities if f.status.value == "not_listed"]
    model.working_papers = _working_papers(views, cmrts, open_errors, escalations, run.consolidation)
    if previous is not None and previous.year != year:
        model.comparison = _compare(workspace, previous, views, run.consolidation, as_of)
    model.texts = render_texts(model, workspace.root / "templates", workspace.settings.due_diligence)
    return model


def _current_cmrts(workspace: Workspace, connection: Connection, views: Sequence[RequestView]) -> list[SupplierCmrt]:
    """Read each supplier's current CMRT from the stored original, unless it was rejected."""
    found = []
    for view in views:
        if view.current_submission_id is None or view.state is RequestState.REJECTED:
            continue
        row = connection.execute(
            select(submissions.c.file_name, files.c.stored_path)
            .join(files, files.c.sha256 == submissions.c.file_sha256)
            .where(submissions.c.id == view.current_submission_id)
        ).one()
        stored = workspace.root / row.stored_path
        document = dataclasses.replace(read_cmrt(stored), source=SourceRef(row.file_name))
        found.append(SupplierCmrt(view, document, view.current_submission_id, stored))
    return found


def _escalations(connection: Connection, campaign: Campaign) -> list[dict[str, str]]:
    query = (
        select(events.c.at, events.c.reason, suppliers.c.name)
        .join(suppliers, suppliers.c.id == events.c.supplier_id)
        .where(and_(events.c.kind == "decision.escalated", events.c.campaign_year == campaign.year))
        .order_by(events.c.id)
    )
    return [
        {"supplier": r.name, "date": r.at.date().isoformat(), "reason": r.reason or ""}
        for r in connection.execute(query)
    ]


def _uses_3tg(document: CmrtDocument) -> bool:
    return any((a := document.answer(metal, "Q1")) is not None and a.value != "No" for metal in DECLARATION_METAL_ORDER)


def _denies_covered_countries(document: CmrtDocument) -> bool:
    used = [m for m in DECLARATION_METAL_ORDER if (a := document.answer(m, "Q1")) is not None and a.value == "Yes"]
    return bool(used) and all((a := document.answer(m, "Q3")) is not None and a.value == "No" for m in used)


def _supplier_figures(
    model: ReportModel,
    views: Sequence[RequestView],
    cmrts: Sequence[SupplierCmrt],
    open_errors: dict[str, list[str]],
    escalations: list[dict[str, str]],
) -> None:
    def of(items: Sequence[SupplierCmrt]) -> list[Evidence]:
        return [Evidence(c.view.supplier, c.document.source.file) for c in items]

    responded = [v for v in views if v.state in RESPONDED]
    model.set("suppliers.surveyed", len(views), [Evidence(v.supplier) for v in views])
    model.set("suppliers.responded", len(responded), [Evidence(v.supplier, v.current_file) for v in responded])
    model.set("suppliers.response_rate", round(len(responded) / len(views), 4) if views else 0.0)
    no_3tg = [c for c in cmrts if not _uses_3tg(c.document)]
    na = [
        Evidence(v.supplier)
        for v in views
        if v.state is RequestState.NOT_APPLICABLE and v.current_submission_id is None
    ]
    model.set("suppliers.no_3tg", len(no_3tg) + len(na), of(no_3tg) + na)
    denies = [c for c in cmrts if _denies_covered_countries(c.document)]
    model.set("suppliers.no_covered_country_sourcing", len(denies), of(denies))
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


def _facility_evidence(facilities: Sequence[ConsolidatedFacility]) -> list[Evidence]:
    return [Evidence(s.supplier, s.file, s.row, f.smelter_id, f.name) for f in facilities for s in f.sources]


def _facility_figures(model: ReportModel, consolidation: Consolidation) -> None:
    facilities = consolidation.facilities
    groups: dict[str, Sequence[ConsolidatedFacility]] = {"facilities": facilities}
    for metal in METALS:
        groups[f"facilities.by_metal.{metal}"] = [f for f in facilities if f.metal is Metal(metal)]
    for prefix, members in groups.items():
        model.set(f"{prefix}.total", len(members), _facility_evidence(members))
        for bucket in BUCKETS:
            chosen = [f for f in members if f.status.value == bucket]
            model.set(f"{prefix}.{bucket}", len(chosen), _facility_evidence(chosen))
    for key, attribute in (
        ("in_covered_countries", "covered_country"),
        ("in_cahras", "cahra"),
        ("in_africa", "in_africa"),
    ):
        chosen = [f for f in facilities if getattr(f, attribute)]
        model.set(f"facilities.{key}", len(chosen), _facility_evidence(chosen))


def _annex_row(facility: ConsolidatedFacility) -> AnnexRow:
    bucket = facility.status.value
    return AnnexRow(
        facility.metal.value if facility.metal else "",
        facility.smelter_id,
        facility.name,
        facility.country or "",
        bucket,
        STATUS_WORDS[bucket],
    )


def _risk(facility: ConsolidatedFacility) -> RiskNote:
    country = facility.country or "unknown country"
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
        "unmatched_rows": [
            {
                "supplier": o.source.supplier,
                "file": o.source.file,
                "row": o.source.row,
                "name": o.name,
                "reason": o.reason,
            }
            for o in consolidation.unmatched
        ],
        "rejected_rows": [
            {
                "supplier": o.source.supplier,
                "file": o.source.file,
                "row": o.source.row,
                "name": o.name,
                "reason": o.reason,
            }
            for o in consolidation.rejected
        ],
    }


def _compare(
    workspace: Workspace, previous: Campaign, views: Sequence[RequestView], current: Consolidation, as_of: dt.date
) -> Comparison:
    with workspace.transaction() as connection:
        old_views = overview(connection, previous)
        old_cmrts = _current_cmrts(workspace, connection, old_views)
    earlier = (
        as_of.replace(year=as_of.year - 1)
        if not (as_of.month == 2 and as_of.day == 29)
        else as_of - dt.timedelta(days=366)
    )
    old = run_consolidation([c.document for c in old_cmrts], workspace.reference, earlier).consolidation
    now_names, old_names = {v.supplier for v in views}, {v.supplier for v in old_views}
    now_f = {f.key: f for f in current.facilities}
    old_f = {f.key: f for f in old.facilities}
    changes = tuple(
        sorted(
            (
                f"{now_f[k].name} ({k})" if now_f[k].smelter_id else now_f[k].name,
                old_f[k].status.value,
                now_f[k].status.value,
            )
            for k in now_f.keys() & old_f.keys()
            if now_f[k].status != old_f[k].status
        )
    )
    return Comparison(
        previous.year,
        tuple(sorted(now_names - old_names)),
        tuple(sorted(old_names - now_names)),
        tuple(sorted(_label(now_f[k]) for k in now_f.keys() - old_f.keys())),
        tuple(sorted(_label(old_f[k]) for k in old_f.keys() - now_f.keys())),
        changes,
    )


def _label(facility: ConsolidatedFacility) -> str:
    return f"{facility.name} ({facility.smelter_id})" if facility.smelter_id else facility.name


def report_json_text(model: ReportModel) -> str:
    """Serialise report.json."""
    return json.dumps(model.as_json(), indent=2, ensure_ascii=False) + "\n"
