"""Derive stored rows again: `recheck` reviews stored documents after new reference data, `reprocess`
re-reads the originals after a reader upgrade. Waivers carry over; every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from conflict_minerals.model import Finding
from conflict_minerals.program.audit import record
from conflict_minerals.program.campaign import Campaign, list_campaigns, overview
from conflict_minerals.program.decisions import StoredFinding, submission_findings
from conflict_minerals.program.documents import load_documents, save_parsed
from conflict_minerals.program.extended_store import extended_fields, save_extended
from conflict_minerals.program.ingest import finding_row, review_setup
from conflict_minerals.program.originals import read_original
from conflict_minerals.program.prepare import Prepared, prepare, review_document_once
from conflict_minerals.program.schema import (
    answers,
    bulk_insert,
    findings,
    mine_rows,
    products,
    smelter_rows,
    submissions,
)
from conflict_minerals.program.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Rederived:
    """What deriving a submission again changed."""

    submission_id: int
    file: str
    findings_before: int
    findings_after: int
    facilities_before: tuple[str, ...]
    facilities_after: tuple[str, ...]
    error: str | None = None


def recheck(
    workspace: Workspace,
    campaign: Campaign,
    supplier_id: int | None = None,
    actor: str | None = None,
    suppliers: Collection[int] | None = None,
) -> list[Rederived]:
    """Review the current CMRTs again from their stored rows (no workbook is read): every supplier's, one
    supplier's, or those of `suppliers` (CMRTs only: what a facility decision changes)."""
    setup = review_setup(workspace, campaign)
    wanted = set(suppliers) if suppliers is not None else None if supplier_id is None else {supplier_id}
    with workspace.read() as connection:
        ids = [
            v.current_submission_id
            for v in overview(connection, campaign)
            if v.current_submission_id and (wanted is None or v.supplier_id in wanted)
        ]
        stored = load_documents(connection, ids)
        extended = (
            [
                v.current_submission_id
                for v in overview(connection, campaign, None)
                if v.template != "CMRT" and v.current_submission_id and (wanted is None or v.supplier_id in wanted)
            ]
            if suppliers is None
            else []
        )
    # an extended file is matched again from its original: its rows are few, and the look-ups of other
    # minerals are what a recheck usually follows
    changes = reprocess(workspace, extended, actor) if extended else []
    for submission_id in ids:
        if submission_id not in stored:
            continue
        document = stored[submission_id].document
        prepared = review_document_once(document.source.file, document, setup)
        changes.append(
            _replace(workspace, submission_id, prepared, setup.reference_label, actor, "review.rechecked", _from_reader)
        )
    return changes


def reprocess(
    workspace: Workspace, submission_ids: list[int] | None = None, actor: str | None = None
) -> list[Rederived]:
    """Read the originals again with this reader and reference; store the new rows and findings."""
    with workspace.read() as connection:
        query = select(submissions.c.id, submissions.c.campaign_id, submissions.c.file_sha256, submissions.c.file_name)
        query = query.where(submissions.c.readable.is_(True))
        if submission_ids is not None:
            query = query.where(submissions.c.id.in_(submission_ids))
        rows = connection.execute(query.order_by(submissions.c.id)).all()
        campaigns = {c.id: c for c in _campaigns(connection)}
    changes = []
    needed = {row.campaign_id for row in rows}  # a setup reads the reference and the decisions: only those used
    setups = {cid: review_setup(workspace, campaign) for cid, campaign in campaigns.items() if cid in needed}
    for row in rows:
        setup = setups[row.campaign_id]
        try:
            prepared = prepare(row.file_name, read_original(workspace, row.file_sha256), setup)
        except Exception as exc:  # a missing original costs only this submission
            changes.append(Rederived(row.id, row.file_name, 0, 0, (), (), str(exc)))
            continue
        if prepared.extended is not None:
            changes.append(_replace_extended(workspace, row.id, prepared, setup.reference_label, actor))
            continue
        if prepared.document is None:
            changes.append(Rederived(row.id, row.file_name, 0, 0, (), (), prepared.error))
            continue
        changes.append(
            _replace(workspace, row.id, prepared, setup.reference_label, actor, "submission.reprocessed", _from_ingest)
        )
    return changes


def _campaigns(connection: Connection) -> list[Campaign]:
    return list_campaigns(connection)


def _from_reader(finding: StoredFinding) -> bool:
    """What a recheck keeps: the reader's and Checker's findings (a stored document has none to give again)."""
    return finding.code.startswith("CMRT-") or _from_ingest(finding)


def _from_ingest(finding: StoredFinding) -> bool:
    """What a reprocess keeps: findings ingest itself made (the identity check)."""
    return finding.code == "REV-016"


def _replace(
    workspace: Workspace,
    submission_id: int,
    prepared: Prepared,
    reference: str,
    actor: str | None,
    kind: str,
    keep: Callable[[StoredFinding], bool],
) -> Rederived:
    assert prepared.document is not None
    with workspace.transaction() as connection:
        before_docs = load_documents(connection, [submission_id], with_products=False)
        before_keys = _keys(before_docs[submission_id].matches) if submission_id in before_docs else ()
        save_parsed(connection, submission_id, prepared.document, prepared.matches, reference)
        before, after = _swap_findings(connection, submission_id, keep, prepared.findings)
        change = Rederived(
            submission_id, prepared.document.source.file, before, after, before_keys, _keys(prepared.matches)
        )
        record(
            connection,
            actor or workspace.actor,
            kind,
            {"file": change.file, "before": change.findings_before, "after": change.findings_after},
            submission_id=submission_id,
        )
    return change


def _replace_extended(
    workspace: Workspace, submission_id: int, prepared: Prepared, reference: str, actor: str | None
) -> Rederived:
    """Store an extended file's rows and findings again (waivers carry over), audited."""
    assert prepared.extended is not None
    document = prepared.extended
    with workspace.transaction() as connection:
        before = _extended_keys(connection, submission_id)
        for table in (answers, smelter_rows, mine_rows, products):
            connection.execute(table.delete().where(table.c.submission_id == submission_id))
        fields = extended_fields(document, reference)
        connection.execute(update(submissions).where(submissions.c.id == submission_id).values(**fields))
        save_extended(connection, submission_id, document, prepared.extended_matches)
        count_before, count_after = _swap_findings(connection, submission_id, _from_ingest, prepared.findings)
        after = tuple(sorted({m.smelter_id for m in prepared.extended_matches if m.smelter_id}))
        change = Rederived(submission_id, document.source.file, count_before, count_after, before, after)
        detail = {"file": change.file, "before": change.findings_before, "after": change.findings_after}
        record(connection, actor or workspace.actor, "submission.reprocessed", detail, submission_id=submission_id)
    return change


def _swap_findings(
    connection: Connection,
    submission_id: int,
    keep: Callable[[StoredFinding], bool],
    found: Sequence[Finding],
) -> tuple[int, int]:
    """Replace a submission's findings by `found`, keeping those `keep` says and every waiver's reason;
    return the counts before and after."""
    old = submission_findings(connection, submission_id)
    waived = {(f.code, f.cell): f.waiver_reason for f in old if f.waived}
    kept = [f for f in old if keep(f)]
    gone = [f.id for f in old if not keep(f)]
    for start in range(0, len(gone), 500):
        connection.execute(findings.delete().where(findings.c.id.in_(gone[start : start + 500])))
    held = {(k.code, k.cell) for k in kept}
    fresh = [f for f in found if (f.code, f.source.cell) not in held]
    bulk_insert(
        connection, findings, [finding_row(submission_id, f, waived.get((f.code, f.source.cell))) for f in fresh]
    )
    return len(old), len(kept) + len(fresh)


def _extended_keys(connection: Connection, submission_id: int) -> tuple[str, ...]:
    query = select(smelter_rows.c.match_smelter_id).where(
        smelter_rows.c.submission_id == submission_id, smelter_rows.c.match_smelter_id.is_not(None)
    )
    return tuple(sorted({row.match_smelter_id for row in connection.execute(query)}))


def _keys(matches: tuple[object, ...]) -> tuple[str, ...]:
    return tuple(sorted({m.smelter_id for m in matches if getattr(m, "smelter_id", None)}))  # type: ignore[attr-defined]
