"""Stored report runs: what a report was computed from and what it said, so evidence is looked up, not recomputed.

A run keeps its model (figures, Annex, the facility keys and suppliers behind each figure)
and its inputs (the submission of each supplier). The rows behind a facility figure are
found from those: the stored smelter rows of the inputs whose facility key the figure counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import Connection, func, insert, select

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.neutral import spreadsheet_text
from conflict_minerals.program.audit import escalations, now
from conflict_minerals.program.schema import (
    bulk_insert,
    cahra_lists,
    campaigns,
    facility_decisions,
    findings,
    inserted_id,
    reference_revisions,
    report_inputs,
    report_runs,
    requests,
    smelter_rows,
    status_lists,
    submissions,
)
from conflict_minerals.report.document import blocks_json, conflict_minerals_report, form_sd
from conflict_minerals.report.model import Evidence, ReportModel


class ReportRunError(ConflictMineralsError):
    """No stored report run answers the question."""

    default_code = "report.no_run"


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A report run as stored."""

    id: int
    period: int
    as_of: dt.date
    created_at: dt.datetime
    inputs_digest: str
    data: dict[str, Any]

    @property
    def figures(self) -> dict[str, int | float]:
        """Every figure of the run by its dotted name."""
        return dict(self.data["figures"])


def inputs_digest(connection: Connection, campaign_id: int, as_of: dt.date) -> str:
    """Fingerprint what a report depends on: each supplier's state and current file (and when its rows were
    derived), waivers and escalations, the status, CAHRA and reference lists, and the date."""
    current = (
        select(requests.c.supplier_id, requests.c.state, requests.c.current_submission_id, submissions.c.parsed_at)
        .outerjoin(submissions, submissions.c.id == requests.c.current_submission_id)
        .where(requests.c.campaign_id == campaign_id, requests.c.template_type == "CMRT")
    )
    parts = sorted((r[0], r[1], r[2] or 0, str(r[3])) for r in connection.execute(current))
    waived = connection.execute(
        select(func.count())
        .select_from(findings)
        .join(requests, requests.c.current_submission_id == findings.c.submission_id)
        .where(requests.c.campaign_id == campaign_id, requests.c.template_type == "CMRT", findings.c.waived.is_(True))
    ).scalar()
    year = connection.execute(select(campaigns.c.year).where(campaigns.c.id == campaign_id)).scalar_one()
    escalated = len(escalations(connection, year))  # what the report counts, nothing more
    lists = [
        sorted(row[0] for row in connection.execute(select(table.c.id)))
        for table in (status_lists, cahra_lists, reference_revisions)
    ]
    decided = sorted(
        (row.id, row.withdrawn_at is None)
        for row in connection.execute(select(facility_decisions.c.id, facility_decisions.c.withdrawn_at))
    )
    fingerprint = [as_of.isoformat(), lists, waived, escalated, parts, decided]
    return hashlib.sha256(json.dumps(fingerprint).encode()).hexdigest()


def store_run(
    connection: Connection,
    model: ReportModel,
    campaign_id: int,
    inputs: Sequence[tuple[int, str]],
    actor: str,
) -> int:
    """Store a report run with its inputs (submission, supplier of record); return its number."""
    data = {
        "figures": model.figures,
        "members": model.members,
        "supplier_evidence": {name: [e.as_json() for e in records] for name, records in model.evidence.items()},
        "facilities": {
            key: {
                "smelter_id": f.smelter_id,
                "name": f.name,
                "metal": f.metal.value if f.metal else None,
                "rows": len(f.sources),
                "suppliers": len(f.suppliers),
            }
            for key, f in model.facilities.items()
        },
        "annex": [row.as_json() for row in model.annex],
        "status_lists": model.status_lists,
        "draft": model.draft,  # a baseline is the final run, when there is one
        "signature_date": model.signature_date.isoformat() if model.signature_date else None,
        "company": model.company.legal_name,
        "documents": {  # the Form SD and the report as blocks, for the preview and the bundle of this run
            "form_sd": blocks_json(form_sd(model)),
            "cmr": blocks_json(conflict_minerals_report(model)),
        },
    }
    run_id = inserted_id(
        connection.execute(
            insert(report_runs).values(
                campaign_id=campaign_id,
                period=model.period,
                as_of=model.as_of,
                created_at=now(),
                actor=actor,
                inputs_digest=model.inputs_digest or inputs_digest(connection, campaign_id, model.as_of),
                model=json.dumps(data, ensure_ascii=False, default=str),
            )
        )
    )
    bulk_insert(
        connection,
        report_inputs,
        [{"run_id": run_id, "submission_id": sid, "supplier": supplier} for sid, supplier in inputs],
    )
    return run_id


def find_run(
    connection: Connection,
    period: int,
    as_of: dt.date | None = None,
    run_id: int | None = None,
) -> StoredRun | None:
    """Return a stored run: by number, else the newest of the period (on that as-of date when given)."""
    query = select(report_runs).where(report_runs.c.period == period)
    if run_id is not None:
        query = query.where(report_runs.c.id == run_id)
    if as_of is not None:
        query = query.where(report_runs.c.as_of == as_of)
    row = connection.execute(query.order_by(report_runs.c.id.desc())).first()
    if row is None:
        return None
    return StoredRun(row.id, row.period, row.as_of, row.created_at, row.inputs_digest, json.loads(row.model))


def find_run_id(connection: Connection, period: int, run_id: int | None = None) -> tuple[int, str] | None:
    """The number and creation time of run `run_id` of the period, else of its newest run (or None)."""
    query = select(report_runs.c.id, report_runs.c.created_at).where(report_runs.c.period == period)
    if run_id is not None:
        query = query.where(report_runs.c.id == run_id)
    found = connection.execute(query.order_by(report_runs.c.id.desc()).limit(1)).first()
    return None if found is None else (int(found.id), str(found.created_at))


def find_filed_run(connection: Connection, period: int) -> StoredRun | None:
    """The period's newest final (not draft) run, else its newest draft: what was, or would be, filed."""
    query = select(report_runs).where(report_runs.c.period == period).order_by(report_runs.c.id.desc())
    newest: StoredRun | None = None
    for row in connection.execute(query):
        run = StoredRun(row.id, row.period, row.as_of, row.created_at, row.inputs_digest, json.loads(row.model))
        if not run.data.get("draft"):
            return run
        newest = newest or run
    return newest


@dataclass(frozen=True, slots=True)
class FacilitySummary:
    """A facility a figure counts, with how many supplier rows and suppliers name it."""

    smelter_id: str | None
    facility: str
    metal: str | None
    rows: int
    suppliers: int

    def as_json(self) -> dict[str, Any]:
        """Return the summary as JSON."""
        return {
            "smelter_id": self.smelter_id,
            "facility": self.facility,
            "metal": self.metal,
            "rows": self.rows,
            "suppliers": self.suppliers,
        }


def summarize(run: StoredRun, figure: str) -> list[FacilitySummary] | None:
    """The facilities behind a facility figure (None for a supplier figure), straight from the stored run."""
    _require_figure(run, figure)
    if figure in run.data["supplier_evidence"]:
        return None
    facilities = run.data["facilities"]
    return [
        FacilitySummary(
            facilities[key]["smelter_id"],
            facilities[key]["name"],
            facilities[key]["metal"],
            facilities[key].get("rows", 0),
            facilities[key].get("suppliers", 0),
        )
        for key in run.data["members"].get(figure, [])
    ]


def _require_figure(run: StoredRun, figure: str) -> None:
    if figure not in run.data["figures"]:
        known = ", ".join(sorted(run.data["figures"])[:12])
        raise ReportRunError(f"there is no figure '{figure}'; figures are named like {known}, ...", figure=figure)


def explain(connection: Connection, run: StoredRun, figure: str) -> list[Evidence]:
    """Return every record behind a figure of a stored run: suppliers, or each facility's supplier rows."""
    _require_figure(run, figure)
    if figure in run.data["supplier_evidence"]:
        return [Evidence(**record) for record in run.data["supplier_evidence"][figure]]
    keys = run.data["members"].get(figure, [])
    return list(_facility_rows(connection, run, keys))


def _facility_rows(connection: Connection, run: StoredRun, keys: Sequence[str]) -> Iterator[Evidence]:
    facilities = run.data["facilities"]
    order = {key: index for index, key in enumerate(keys)}
    found: list[tuple[int, str, int, Evidence]] = []
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        query = (
            select(smelter_rows.c.facility_key, smelter_rows.c.row, submissions.c.file_name, report_inputs.c.supplier)
            .join(report_inputs, report_inputs.c.submission_id == smelter_rows.c.submission_id)
            .join(submissions, submissions.c.id == smelter_rows.c.submission_id)
            .where(report_inputs.c.run_id == run.id, smelter_rows.c.facility_key.in_(chunk))
        )
        for key, row, file_name, supplier in connection.execute(query):
            facility = facilities[key]
            found.append(
                (
                    order[key],
                    supplier,
                    row,
                    Evidence(supplier, file_name, row, facility["smelter_id"], facility["name"]),
                )
            )
    yield from (evidence for *_, evidence in sorted(found, key=lambda item: item[:3]))


def facility_rows(connection: Connection, run: StoredRun, key: str) -> list[Evidence]:
    """Return the supplier rows behind one facility of a stored run."""
    return list(_facility_rows(connection, run, [key]))


def write_evidence_csv(connection: Connection, run: StoredRun, out: TextIO) -> int:
    """Write every figure's records as CSV (figure, supplier, file, row, Smelter ID, facility); return the rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("figure", "supplier", "file", "row", "smelter_id", "facility"))
    count = 0
    for figure in sorted(run.data["figures"]):
        for record in explain(connection, run, figure):
            writer.writerow(
                [
                    figure,
                    *(spreadsheet_text(v) for v in (record.supplier, record.file, record.row)),
                    spreadsheet_text(record.smelter_id),
                    spreadsheet_text(record.facility),
                ]
            )
            count += 1
    return count
