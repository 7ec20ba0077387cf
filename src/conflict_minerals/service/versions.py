"""What changed between two versions of a supplier's template: answers, facilities named, findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from conflict_minerals.program.decisions import StoredFinding
from conflict_minerals.program.schema import answers, smelter_rows

SHOWN = 50  # changes listed of each kind; the counts say how many there are


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """One declaration answer that reads differently in the newer version."""

    question: str
    metal: str | None
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class VersionChanges:
    """A version compared with the supplier's previous version of the same template."""

    previous: int
    revision: tuple[str | None, str | None] | None  # (before, after) when the template revision changed
    answers: tuple[AnswerChange, ...]
    added: tuple[str, ...]  # facilities named now and not before
    removed: tuple[str, ...]
    added_count: int
    removed_count: int
    new_findings: tuple[str, ...]  # "CODE at CELL"
    gone_findings: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        """Whether the two versions declare the same (a resent file)."""
        return not (self.revision or self.answers or self.added_count or self.removed_count
                    or self.new_findings or self.gone_findings)  # fmt: skip


def _answers(connection: Connection, submission_id: int) -> dict[tuple[str, str | None], str]:
    query = select(answers.c.question, answers.c.metal, answers.c.value, answers.c.comment).where(
        answers.c.submission_id == submission_id
    )
    found = {}
    for question, metal, value, comment in connection.execute(query):
        found[(question, metal)] = " — ".join(part for part in ((value or "").strip(), (comment or "").strip()) if part)
    return found


def _facilities(connection: Connection, submission_id: int) -> dict[str, str]:
    """The facilities a version names: by its matched facility, else by metal and name as typed."""
    query = select(
        smelter_rows.c.facility_key, smelter_rows.c.metal, smelter_rows.c.name, smelter_rows.c.match_name,
        smelter_rows.c.match_smelter_id, smelter_rows.c.smelter_id,
    ).where(smelter_rows.c.submission_id == submission_id)  # fmt: skip
    found = {}
    for key, metal, name, matched, matched_id, given_id in connection.execute(query):
        label = f"{metal or 'metal not given'} · {matched or name or 'no name'}"
        code = matched_id or given_id
        found[key or f"{metal}|{(name or '').casefold()}"] = f"{label} ({code})" if code else label
    return found


def _finding_keys(found: Sequence[StoredFinding]) -> set[str]:
    return {f"{f.code} at {f.cell}" if f.cell else f.code for f in found}


def version_changes(
    connection: Connection,
    previous: tuple[int, int, str | None, Sequence[StoredFinding]],
    newer: tuple[int, str | None, Sequence[StoredFinding]],
) -> VersionChanges:
    """Compare a version (submission, revision, findings) with the previous one (+ its version number)."""
    old_id, old_version, old_revision, old_findings = previous
    new_id, new_revision, new_findings = newer
    before, after = _answers(connection, old_id), _answers(connection, new_id)
    changed = tuple(
        AnswerChange(question, metal, before.get((question, metal), ""), after.get((question, metal), ""))
        for question, metal in sorted(before.keys() | after.keys(), key=lambda k: (k[0], k[1] or ""))
        if before.get((question, metal), "") != after.get((question, metal), "")
    )
    named_before, named_after = _facilities(connection, old_id), _facilities(connection, new_id)
    added = sorted(named_after[k] for k in named_after.keys() - named_before.keys())
    removed = sorted(named_before[k] for k in named_before.keys() - named_after.keys())
    old_keys, new_keys = _finding_keys(old_findings), _finding_keys(new_findings)
    return VersionChanges(
        old_version,
        (old_revision, new_revision) if old_revision != new_revision else None,
        changed[:SHOWN],
        tuple(added[:SHOWN]),
        tuple(removed[:SHOWN]),
        len(added),
        len(removed),
        tuple(sorted(new_keys - old_keys))[:SHOWN],
        tuple(sorted(old_keys - new_keys))[:SHOWN],
    )
