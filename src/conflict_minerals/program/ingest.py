"""Ingest received supplier files: keep the original, read and review it, link it to its supplier.

Each file is one transaction, so an interrupted run leaves the database consistent and a
re-run picks up where it stopped; the same file twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, and_, insert, select
from sqlalchemy.exc import IntegrityError

from conflict_minerals.cmrt import read_cmrt
from conflict_minerals.errors import UnreadableFileError
from conflict_minerals.inspection import document_to_json
from conflict_minerals.model import CmrtDocument, Finding, Severity
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import Campaign, make_current, next_version, overview, require_campaign
from conflict_minerals.program.decisions import submission_findings
from conflict_minerals.program.schema import files, findings, inserted_id, submissions
from conflict_minerals.program.suppliers import SupplierError, SupplierRecord, find_supplier, link_supplier
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.review.rules import ReviewContext, review_document
from conflict_minerals.smelters.matching import Matcher
from conflict_minerals.smelters.service import document_revisions, remember_revisions

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SAVE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What happened to one file."""

    path: str
    status: str  # "added", "duplicate", "unreadable" or "unassigned"
    supplier: str | None
    submission_id: int | None
    version: int | None
    errors: int
    warnings: int
    message: str


def collect_files(inputs: Iterable[Path]) -> list[Path]:
    """Expand folders into the spreadsheet files they hold, oldest first, so a resubmission comes last."""
    found: list[Path] = []
    for path in inputs:
        if path.is_dir():
            inside = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES]
            found += sorted(inside, key=lambda p: (p.stat().st_mtime, p.name))
        else:
            found.append(path)
    return found


def ingest_files(
    workspace: Workspace,
    paths: Sequence[Path],
    campaign_year: int | None = None,
    supplier_name: str | None = None,
    on_file: Callable[[IngestOutcome], None] | None = None,
) -> list[IngestOutcome]:
    """Ingest every file; a file that cannot be read is recorded and reported, and the rest go on."""
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, campaign_year)
        forced = _forced_supplier(connection, supplier_name)
    matchers: dict[tuple[str, ...], Matcher] = {}
    outcomes = []
    for path in paths:
        outcome = _ingest_one(workspace, campaign, path, forced, matchers)
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return outcomes


def _forced_supplier(connection: Connection, name: str | None) -> SupplierRecord | None:
    if name is None:
        return None
    supplier = find_supplier(connection, name)
    if supplier is None:
        raise SupplierError(f"no supplier '{name}'; add it with `conflict-minerals suppliers add`.")
    return supplier


def _ingest_one(
    workspace: Workspace,
    campaign: Campaign,
    path: Path,
    forced: SupplierRecord | None,
    matchers: dict[tuple[str, ...], Matcher],
) -> IngestOutcome:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return IngestOutcome(str(path), "unreadable", None, None, None, 0, 0, f"cannot open the file ({exc.strerror})")
    sha = hashlib.sha256(data).hexdigest()
    with workspace.transaction() as connection:
        if _existing(connection, campaign, sha) is not None:
            return IngestOutcome(str(path), "duplicate", None, None, None, 0, 0, "already ingested; nothing added")
    stored = _store_original(workspace, sha, path.suffix.lower(), data)
    try:
        document: CmrtDocument | None = read_cmrt(path, data)
        error = None
    except UnreadableFileError as exc:
        document, error = None, exc
    found = _review(workspace, campaign, document, matchers) if document else []
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with workspace.transaction() as connection:
                return _save(
                    workspace, connection, campaign, path, sha, len(data), stored, document, error, found, forced
                )
        except IntegrityError:
            # Another ingest running at the same time took the same file, request or version number first:
            # try again in a fresh transaction, which sees what it wrote.
            if attempt == SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _existing(connection: Connection, campaign: Campaign, sha: str) -> int | None:
    query = select(submissions.c.id).where(
        and_(submissions.c.campaign_id == campaign.id, submissions.c.file_sha256 == sha)
    )
    return connection.execute(query).scalar()


def _store_original(workspace: Workspace, sha: str, suffix: str, data: bytes) -> Path:
    """Keep the original bytes under their hash; written atomically, never changed afterwards."""
    target = workspace.files_dir / sha[:2] / f"{sha}{suffix if suffix in SUPPORTED_SUFFIXES else '.bin'}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".partial") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    Path(handle.name).replace(target)
    return target


def _review(
    workspace: Workspace, campaign: Campaign, document: CmrtDocument, matchers: dict[tuple[str, ...], Matcher]
) -> list[Finding]:
    remember_revisions(workspace.reference, [document])
    reference = workspace.reference.reference(document_revisions([document]))
    matcher = matchers.get(reference.revisions)
    if matcher is None:
        matcher = matchers[reference.revisions] = Matcher(reference)
    context = ReviewContext(
        document,
        matcher,
        campaign.year,
        campaign.require_product_level,
        cahra=workspace.reference.cahra() or frozenset(),
    )
    return [*document.findings, *review_document(context)]


def _save(
    workspace: Workspace,
    connection: Connection,
    campaign: Campaign,
    path: Path,
    sha: str,
    size: int,
    stored: Path,
    document: CmrtDocument | None,
    error: UnreadableFileError | None,
    found: list[Finding],
    forced: SupplierRecord | None,
) -> IngestOutcome:
    if _existing(connection, campaign, sha) is not None:
        return IngestOutcome(str(path), "duplicate", None, None, None, 0, 0, "already ingested; nothing added")
    if connection.execute(select(files.c.sha256).where(files.c.sha256 == sha)).first() is None:
        connection.execute(
            insert(files).values(
                sha256=sha,
                size=size,
                stored_path=str(stored.relative_to(workspace.root)),
                first_name=path.name,
                stored_at=now(),
            )
        )
    supplier, how = (
        (forced, "given with --supplier")
        if forced
        else (link_supplier(connection, document.company) if document else (None, ""))
    )
    version = next_version(connection, campaign, supplier.id) if supplier and document else None
    submission_id = inserted_id(
        connection.execute(
            insert(submissions).values(
                campaign_id=campaign.id,
                supplier_id=supplier.id if supplier else None,
                file_sha256=sha,
                file_name=path.name,
                received_at=now(),
                readable=document is not None,
                error=error.message if error else None,
                template_version=document.template.version if document else None,
                declared_company=document.company.name if document else None,
                declaration_scope=document.company.declaration_scope if document else None,
                effective_date=document.company.effective_date if document else None,
                parsed_json=json.dumps(document_to_json(document), ensure_ascii=False) if document else None,
                version=version or 0,
            )
        )
    )
    for finding in found:
        connection.execute(
            insert(findings).values(
                submission_id=submission_id,
                code=finding.code,
                severity=finding.severity.value,
                message=finding.message,
                sheet=finding.source.sheet,
                cell=finding.source.cell,
                waived=False,
            )
        )
    detail = {"file": path.name, "sha256": sha, "linked_by": how, "findings": len(found)}
    if document is None:
        record(
            connection,
            workspace.actor,
            "submission.unreadable",
            {**detail, "error": error.message if error else ""},
            campaign_year=campaign.year,
            supplier_id=supplier.id if supplier else None,
            submission_id=submission_id,
        )
        return IngestOutcome(
            str(path),
            "unreadable",
            supplier.name if supplier else None,
            submission_id,
            None,
            0,
            0,
            error.message if error else "unreadable",
        )
    errors = sum(1 for f in found if f.severity is Severity.ERROR)
    warnings = sum(1 for f in found if f.severity is Severity.WARNING)
    if supplier is None:
        record(
            connection,
            workspace.actor,
            "submission.unassigned",
            detail,
            campaign_year=campaign.year,
            submission_id=submission_id,
        )
        return IngestOutcome(str(path), "unassigned", None, submission_id, None, errors, warnings, how)
    make_current(connection, workspace.actor, campaign, supplier.id, submission_id, version or 1, detail)
    return IngestOutcome(str(path), "added", supplier.name, submission_id, version, errors, warnings, how)


def recheck(workspace: Workspace, campaign: Campaign, supplier_id: int | None = None) -> list[tuple[str, int, int]]:
    """Review current CMRTs again (after new reference data, say); waivers carry over. Return (file, before, after)."""
    matchers: dict[tuple[str, ...], Matcher] = {}
    changed = []
    with workspace.transaction() as connection:
        views = [
            v
            for v in overview(connection, campaign)
            if v.current_submission_id and (supplier_id is None or v.supplier_id == supplier_id)
        ]
    for view in views:
        assert view.current_submission_id is not None
        with workspace.transaction() as connection:
            stored = connection.execute(
                select(files.c.stored_path)
                .join(submissions, submissions.c.file_sha256 == files.c.sha256)
                .where(submissions.c.id == view.current_submission_id)
            ).scalar_one()
        document = read_cmrt(workspace.root / stored)
        found = _review(workspace, campaign, document, matchers)
        with workspace.transaction() as connection:
            old = submission_findings(connection, view.current_submission_id)
            waived = {(f.code, f.cell): f.waiver_reason for f in old if f.waived}
            connection.execute(findings.delete().where(findings.c.submission_id == view.current_submission_id))
            for finding in found:
                reason = waived.get((finding.code, finding.source.cell))
                connection.execute(
                    insert(findings).values(
                        submission_id=view.current_submission_id,
                        code=finding.code,
                        severity=finding.severity.value,
                        message=finding.message,
                        sheet=finding.source.sheet,
                        cell=finding.source.cell,
                        waived=reason is not None,
                        waiver_reason=reason,
                    )
                )
            record(
                connection,
                workspace.actor,
                "review.rechecked",
                {"file": view.current_file, "before": len(old), "after": len(found)},
                campaign_year=campaign.year,
                supplier_id=view.supplier_id,
                submission_id=view.current_submission_id,
            )
        changed.append((view.current_file or "", len(old), len(found)))
    return changed
