"""Ingest received supplier files: keep the original, read and review it once, store what it declares.

Files are read and reviewed in worker processes (see `prepare`); the database writes happen
here, one short transaction per file holding its submission row, its parsed rows and its
findings, so an interrupted run leaves the database consistent and a re-run finishes the
job. The same file twice adds nothing. Whatever a file does, it costs only its own outcome.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, and_, select
from sqlalchemy.exc import IntegrityError

from conflict_minerals.cmrt.values import clean_text
from conflict_minerals.model import Company, Finding, Severity
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.campaign import Campaign, make_current, next_version, request_of, require_campaign
from conflict_minerals.program.documents import parsed_fields, save_parsed
from conflict_minerals.program.extended_store import extended_fields, save_extended
from conflict_minerals.program.facilities import workspace_rulings
from conflict_minerals.program.originals import SUFFIXES, clean_partials, keep_in_database, keep_on_disk
from conflict_minerals.program.prepare import Prepared, Preparer, ReviewSetup, default_jobs
from conflict_minerals.program.refstore import reference_label
from conflict_minerals.program.schema import bulk_insert, files, findings, inserted_id, requests, submissions
from conflict_minerals.program.suppliers import Link, SupplierDirectory, SupplierRecord, require_supplier
from conflict_minerals.program.workspace import Workspace

SUPPORTED_SUFFIXES = SUFFIXES
MAX_FILE_BYTES = 64 * 1024 * 1024  # the reader's own limit; larger files are refused without reading them whole
SAVE_ATTEMPTS = 5
DATE_FINDINGS = ("REV-013", "CMRT-D-003", "CMRT-D-004", "CMRT-C-009")
FILES_PER_WORKER = 4  # small batches are read in this process: starting workers costs more than it saves


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


def collect_files(inputs: Iterable[Path], skipped: list[Path] | None = None) -> list[Path]:
    """Expand folders into the spreadsheet files they hold, oldest first, so a resubmission comes last.

    Other files in a folder (notes, PDFs, links) are not read; they are added to `skipped` so they can be named.
    """
    found: list[Path] = []
    for path in inputs:
        if path.is_dir() and not path.is_symlink():
            inside = [p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES and _regular(p)]
            found += sorted(inside, key=lambda p: (p.lstat().st_mtime, p.name))
            if skipped is not None:
                taken = set(inside)
                skipped += sorted(p for p in path.rglob("*") if p not in taken and not p.is_dir())
        else:
            found.append(path)
    return found


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def review_setup(workspace: Workspace, campaign: Campaign, today: dt.date | None = None) -> ReviewSetup:
    """Collect once what reviewing every file of a run needs."""
    store = workspace.reference
    revisions = tuple(store.revisions())
    rulings, _ = workspace_rulings(workspace, campaign.year, revisions)
    return ReviewSetup(
        revisions,
        reference_label(revisions),
        store.cahra() or frozenset(),
        campaign.year,
        campaign.require_product_level,
        today or dt.date.today(),
        campaign.templates,
        tuple(store.all_revisions()),
        rulings,
    )


BULK_FILES = 100  # an ingest of this many files changes table sizes enough to refresh the planner's statistics


def ingest_files(
    workspace: Workspace,
    paths: Sequence[Path],
    campaign_year: int | None = None,
    supplier_name: str | None = None,
    on_file: Callable[[IngestOutcome], None] | None = None,
    jobs: int | None = None,
    actor: str | None = None,
) -> list[IngestOutcome]:
    """Ingest every file; a file that cannot be read is recorded and reported, and the rest go on."""
    with workspace.read() as connection:
        campaign = require_campaign(connection, campaign_year)
        forced = require_supplier(connection, supplier_name) if supplier_name else None
        directory = SupplierDirectory.load(connection)
    if not workspace.shared_database:
        clean_partials(workspace)  # what a killed run left half-written
    setup = review_setup(workspace, campaign)
    run = _Run(workspace, campaign, forced, directory, actor or workspace.actor, on_file, setup.reference_label)
    wanted = jobs or default_jobs()
    workers = min(wanted, max(1, len(paths) // FILES_PER_WORKER))
    with Preparer(setup, workers) as preparer:
        for path in paths:
            for token, prepared in run.submit(preparer, path):
                run.save(token, prepared)
        for token, prepared in preparer.drain():
            run.save(token, prepared)
    if len(run.outcomes) >= BULK_FILES:
        workspace.refresh_statistics()
    return run.outcomes


@dataclass(frozen=True, slots=True)
class _Received:
    path: Path
    sha: str
    size: int
    stored: str
    name: str  # the file name as shown everywhere: no control characters, at most 200 characters


class _Run:
    """One ingest run: checks and stores files, collects outcomes."""

    def __init__(
        self,
        workspace: Workspace,
        campaign: Campaign,
        forced: SupplierRecord | None,
        directory: SupplierDirectory,
        actor: str,
        on_file: Callable[[IngestOutcome], None] | None,
        reference_label: str,
    ) -> None:
        self.workspace, self.campaign, self.forced, self.directory = workspace, campaign, forced, directory
        self.actor, self.on_file, self.reference_label = actor, on_file, reference_label
        self.outcomes: list[IngestOutcome] = []

    def report(self, outcome: IngestOutcome) -> None:
        """Keep an outcome and tell the caller."""
        self.outcomes.append(outcome)
        if self.on_file is not None:
            self.on_file(outcome)

    def submit(self, preparer: Preparer, path: Path) -> Iterable[tuple[object, Prepared]]:
        """Read a file's bytes (a regular file, within the size limit) and queue it unless already ingested."""
        try:
            data = _read_bounded(path)
        except _Refused as refused:
            self.report(IngestOutcome(str(path), "unreadable", None, None, None, 0, 0, refused.message))
            return ()
        sha = hashlib.sha256(data).hexdigest()
        with self.workspace.read() as connection:
            if _existing(connection, self.campaign, sha) is not None:
                self.report(_duplicate(path))
                return ()
        suffix = path.suffix.lower()
        stored = keep_on_disk(self.workspace, sha, suffix, data) if not self.workspace.shared_database else ""
        token = (
            _Received(path, sha, len(data), stored, _shown_name(path)),
            data if self.workspace.shared_database else b"",
        )
        return preparer.submit(token, token[0].name, data)

    def save(self, token: object, prepared: Prepared) -> None:
        """Store one prepared file in one transaction (retried when a concurrent ingest got there first)."""
        assert isinstance(token, tuple)
        received: _Received = token[0]
        data: bytes = token[1]
        for attempt in range(SAVE_ATTEMPTS):
            try:
                with self.workspace.transaction() as connection:
                    if self.workspace.shared_database:
                        # Like SQLite's WAL with synchronous=NORMAL: a server crash may lose the last few files
                        # stored (a re-run adds them again), never half of one; commits stop waiting on the disk.
                        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    outcome = self._save(connection, received, data, prepared)
                self.report(outcome)  # after the commit: a slow terminal never holds the write lock
                return
            except IntegrityError:
                # Another ingest running at the same time took the same file, request or version number first:
                # try again in a fresh transaction, which sees what it wrote.
                if attempt == SAVE_ATTEMPTS - 1:
                    raise

    def _forced_link(self, company: Company | None) -> Link:
        """`--supplier` decides, but a file that names another company says so (filed, and flagged)."""
        assert self.forced is not None
        ref = (self.forced.id, self.forced.name)
        declared = company.name if company else None
        if declared and not self.directory.agrees(ref, declared):
            return Link(ref, f"--supplier, although the CMRT names '{declared}': check that it is theirs")
        return Link(ref, "--supplier")

    def _save(self, connection: Connection, received: _Received, data: bytes, prepared: Prepared) -> IngestOutcome:
        if _existing(connection, self.campaign, received.sha) is not None:
            return _duplicate(received.path)
        stored = received.stored or keep_in_database(connection, received.sha, data)
        if connection.execute(select(files.c.sha256).where(files.c.sha256 == received.sha)).first() is None:
            connection.execute(
                files.insert().values(
                    sha256=received.sha,
                    size=received.size,
                    stored_path=stored,
                    first_name=received.name,
                    stored_at=now(),
                )
            )
        document, extended = prepared.document, prepared.extended
        read = document or extended
        company = read.company if read else None
        template = prepared.template or "CMRT"
        link = self._forced_link(company) if self.forced else None
        link = link or (self.directory.link(company) if company else Link(None, ""))
        supplier, how = link.supplier, link.how
        version = next_version(connection, self.campaign, supplier[0], template) if supplier and read else None
        if document is not None:
            fields = parsed_fields(document, self.reference_label)
        elif extended is not None:
            fields = extended_fields(extended, self.reference_label)
        else:
            fields = {}
        submission_id = inserted_id(
            connection.execute(
                submissions.insert().values(
                    campaign_id=self.campaign.id,
                    supplier_id=supplier[0] if supplier else None,
                    file_sha256=received.sha,
                    file_name=received.name,
                    received_at=now(),
                    readable=read is not None,
                    error=prepared.error,
                    version=version,
                    **fields,
                )
            )
        )
        detail: dict[str, object] = {"file": received.name, "sha256": received.sha, "linked_by": how, "findings": 0}
        if template != "CMRT":
            detail["template"] = template
        if read is None:
            record(
                connection,
                self.actor,
                "submission.unreadable",
                {**detail, "error": prepared.error or "", "kind": prepared.error_kind},
                campaign_year=self.campaign.year,
                supplier_id=supplier[0] if supplier else None,
                submission_id=submission_id,
            )
            message = prepared.error or "unreadable"
            return IngestOutcome(str(received.path), "unreadable", None, submission_id, None, 0, 0, message)
        if document is not None:
            save_parsed(connection, submission_id, document, prepared.matches, self.reference_label, fresh=True)
        elif extended is not None:
            save_extended(connection, submission_id, extended, prepared.extended_matches)
        found = list(prepared.findings)
        if link.identity_conflict:
            found.append(
                Finding(
                    read.source.at("Declaration", "D8"),
                    "REV-016",
                    Severity.WARNING,
                    how[:1].upper() + how[1:] + ".",
                )
            )
        bulk_insert(connection, findings, [finding_row(submission_id, f) for f in found])
        detail["findings"] = len(found)
        errors = sum(1 for f in found if f.severity is Severity.ERROR)
        warnings = sum(1 for f in found if f.severity is Severity.WARNING)
        if supplier is None:
            record(
                connection,
                self.actor,
                "submission.unassigned",
                detail,
                campaign_year=self.campaign.year,
                submission_id=submission_id,
            )
            return IngestOutcome(str(received.path), "unassigned", None, submission_id, None, errors, warnings, how)
        newer = _newer_current(connection, self.campaign, supplier[0], read.company.effective_date, template)
        if newer is not None:
            # A file that arrives late but declares an earlier effective date does not replace the newer one.
            record(
                connection,
                self.actor,
                "submission.received_not_current",
                {**detail, "version": version, "current_effective_date": newer.isoformat()},
                campaign_year=self.campaign.year,
                supplier_id=supplier[0],
                submission_id=submission_id,
            )
            message = f"{how}; declared effective {read.company.effective_date}, older than the current version"
            return IngestOutcome(
                str(received.path), "added", supplier[1], submission_id, version, errors, warnings, message
            )
        make_current(connection, self.actor, self.campaign, supplier[0], submission_id, version or 1, detail, template)
        return IngestOutcome(str(received.path), "added", supplier[1], submission_id, version, errors, warnings, how)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_bounded(path: Path) -> bytes:
    """Read a regular file (no link, device or pipe) of at most MAX_FILE_BYTES."""
    try:
        info = path.lstat()
    except OSError as exc:
        raise _Refused(f"cannot open the file ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise _Refused("is a symbolic link; only regular files are ingested")
    if not stat.S_ISREG(info.st_mode):
        raise _Refused("is not a regular file (a folder, device or pipe); only regular files are ingested")
    if info.st_size > MAX_FILE_BYTES:
        raise _Refused(f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a CMRT is never that large")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _Refused(f"cannot open the file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a CMRT is never that large")
    return data


def _newer_current(
    connection: Connection, campaign: Campaign, supplier_id: int, effective: dt.date | None, template: str
) -> dt.date | None:
    """The current version's effective date when it is later than `effective`, else None."""
    if effective is None:
        return None
    current = connection.execute(
        select(submissions.c.id, submissions.c.effective_date)
        .join(requests, requests.c.current_submission_id == submissions.c.id)
        .where(request_of(campaign, supplier_id, template))
    ).first()
    if current is None or not isinstance(current.effective_date, dt.date) or current.effective_date <= effective:
        return None
    # The current version's own date was questioned (in the future, ambiguous, missing): a correction may
    # well carry an earlier date, and then it must replace it.
    questioned = connection.execute(
        select(findings.c.id).where(
            findings.c.submission_id == current.id, findings.c.code.in_(DATE_FINDINGS), findings.c.waived.is_(False)
        )
    ).first()
    return None if questioned else current.effective_date


def _shown_name(path: Path) -> str:
    """A supplier chose the file name: keep it readable and harmless in terminals, pages and documents."""
    return (clean_text(path.name, zero_is_empty=False) or "unnamed file")[:200]


def _duplicate(path: Path) -> IngestOutcome:
    return IngestOutcome(str(path), "duplicate", None, None, None, 0, 0, "already ingested; nothing added")


def _existing(connection: Connection, campaign: Campaign, sha: str) -> int | None:
    query = select(submissions.c.id).where(
        and_(submissions.c.campaign_id == campaign.id, submissions.c.file_sha256 == sha)
    )
    return connection.execute(query).scalar()


def finding_row(submission_id: int, finding: Finding, waiver: str | None = None) -> dict[str, object]:
    """The database row of a finding."""
    return {
        "submission_id": submission_id,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "sheet": finding.source.sheet,
        "cell": finding.source.cell,
        "waived": waiver is not None,
        "waiver_reason": waiver,
    }
