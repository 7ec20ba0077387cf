"""Reference data as the CLI and the web use it: what is in use, a status list read before it is kept, imports."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from conflict_minerals.cmrt.values import parse_metal, parse_mineral
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Metal
from conflict_minerals.program.schema import cahra_lists, reference_revisions, status_entries, status_lists
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.reference.countries import plain_country_name
from conflict_minerals.reference.smelter_reference import ReferenceRevision
from conflict_minerals.reference.status import StatusSnapshot, read_status_list, three_tg_lists
from conflict_minerals.smelters.mineral_status import MineralStatusBook
from conflict_minerals.smelters.service import path_kind
from conflict_minerals.smelters.status_book import StatusBook

THREE_TG = {metal.value for metal in Metal}


class ReferenceImportError(ConflictMineralsError):
    """A reference file that cannot be imported as asked."""

    default_code = "reference.import"


@dataclass(frozen=True, slots=True)
class RevisionRow:
    """A look-up revision in use: bundled with the package (no number) or imported (numbered)."""

    number: int | None
    label: str
    list_date: dt.date | None
    minerals: tuple[str, ...]
    rows: int
    source: str
    imported_by: str | None
    imported_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StatusListRow:
    """A stored status list: its date, kind, minerals and who imported it."""

    number: int
    as_of: dt.date
    list_kind: str | None
    minerals: tuple[str, ...]
    three_tg: bool
    facilities: int
    source: str
    imported_by: str
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CahraRow:
    """The CAHRA list in use: its countries and where it came from."""

    number: int
    countries: tuple[str, ...]
    source: str
    imported_by: str
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReferenceOverview:
    """Everything the Reference page lists."""

    revisions: tuple[RevisionRow, ...]
    status_lists: tuple[StatusListRow, ...]
    cahra: CahraRow | None


def reference_overview(workspace: Workspace) -> ReferenceOverview:
    """The look-up revisions, status lists and CAHRA list of the workspace, as `refdata list` shows them."""
    with workspace.read() as connection:
        heads = {r.label: r for r in connection.execute(select(reference_revisions))}
        pairs = connection.execute(select(status_entries.c.list_id, status_entries.c.metal)).all()
        lists = connection.execute(select(status_lists).order_by(status_lists.c.id)).all()
        cahra = connection.execute(select(cahra_lists).order_by(cahra_lists.c.id.desc())).first()
    revisions = []
    for revision in workspace.reference.all_revisions():
        head = heads.get(revision.label)
        rows = len(revision.entries) + len(revision.minerals)
        source = head.source if head else "bundled with the package"
        who, at = (head.imported_by, head.imported_at) if head else (None, None)
        number = head.id if head else None
        revisions.append(
            RevisionRow(number, revision.label, revision.list_date, revision.mineral_names, rows, source, who, at)
        )
    counts: dict[int, int] = {}
    minerals: dict[int, set[str | None]] = {}
    for list_id, metal in pairs:
        counts[list_id] = counts.get(list_id, 0) + 1
        minerals.setdefault(list_id, set()).add(metal)
    statuses = tuple(_status_row(r, minerals.get(r.id, set()), counts.get(r.id, 0)) for r in lists)
    found = None
    if cahra is not None:
        names = tuple(sorted(plain_country_name(code) or code for code in json.loads(cahra.countries)))
        found = CahraRow(cahra.id, names, cahra.source, cahra.imported_by, cahra.imported_at)
    return ReferenceOverview(tuple(revisions), statuses, found)


def _status_row(row: Any, minerals: set[str | None], count: int) -> StatusListRow:
    named = {m for m in minerals if m}
    three_tg = bool(named & THREE_TG) or None in minerals  # rows without a metal: 3TG, the metal from the Smelter ID
    return StatusListRow(row.id, row.as_of, row.list_kind, tuple(sorted(named)), three_tg, count, row.source,
                         row.imported_by, row.imported_at)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StatusPreview:
    """A status list as read, before it is kept: the date it will be used with, counts and conflicts."""

    snapshot: StatusSnapshot
    counts: dict[str, int]  # status bucket -> facilities
    minerals: tuple[str, ...]
    conflicts: tuple[str, ...]  # a Smelter ID listed twice with different statuses (the worse is used)

    @property
    def summary(self) -> str:
        """'12 conformant, 3 active; Cobalt'."""
        text = ", ".join(f"{n} {bucket}" for bucket, n in sorted(self.counts.items()))
        return text + (f"; {', '.join(self.minerals)}" if self.minerals else "")


def check_mineral(mineral: str | None) -> None:
    """Refuse a mineral name that names no metal or mineral."""
    if mineral is not None and parse_metal(mineral) is None and parse_mineral(mineral) is None:
        raise ReferenceImportError(f"'{mineral}' is not a mineral name (e.g. Cobalt, Mica, Tin).", mineral=mineral)


def preview_status_list(
    path: Path, list_kind: str | None = None, as_of: dt.date | None = None, mineral: str | None = None
) -> StatusPreview:
    """Read a status list file (nothing is kept): its date, where the date came from, counts and conflicts."""
    check_mineral(mineral)
    snapshot = read_status_list(path, list_kind or path_kind(path), as_of, mineral)
    three_tg = StatusBook.build(three_tg_lists([snapshot]), snapshot.as_of).conflicts
    others = MineralStatusBook.build([snapshot], snapshot.as_of).conflicts()
    conflicts = tuple(
        f"{smelter_id} is listed as '{kept}' and as '{other}'; '{kept}' (the worse) is used."
        for smelter_id, kept, other in [*three_tg, *(conflict[1:] for conflict in others)]
    )
    counts: dict[str, int] = {}
    for entry in snapshot.entries:
        counts[entry.bucket.value] = counts.get(entry.bucket.value, 0) + 1
    minerals = tuple(sorted({e.mineral for e in snapshot.entries if e.mineral}))
    return StatusPreview(snapshot, counts, minerals, conflicts)


def store_status_list(workspace: Workspace, actor: str, snapshot: StatusSnapshot) -> bool:
    """Keep a status list read by `preview_status_list` (audited); False when the same list is already kept."""
    return workspace.reference.add_status(snapshot, actor)


@dataclass(frozen=True, slots=True)
class LookupImport:
    """A look-up imported from RMI's blank template: its label, date, size and whether it was new."""

    label: str
    list_date: dt.date | None
    rows: int
    minerals: tuple[str, ...]
    added: bool


def import_lookup(workspace: Workspace, actor: str, path: Path) -> LookupImport:
    """Import the Smelter Look-up of RMI's blank CMRT, EMRT, CRT or AMRT (never a supplier's file); audited."""
    from conflict_minerals.cmrt.lookup_sheet import read_lookup_sheet
    from conflict_minerals.service.templates import require_blank_rmi

    sheet = read_lookup_sheet(path)
    require_blank_rmi(path, path.read_bytes(), sheet.template, links_allowed=sheet.template != "CMRT")
    revision = ReferenceRevision(f"{sheet.template} {sheet.version}", sheet.list_date, sheet.entries, sheet.minerals)
    added = workspace.reference.add_revision(revision, path.name, actor)
    rows = len(sheet.entries) + len(sheet.minerals)
    return LookupImport(revision.label, sheet.list_date, rows, revision.mineral_names, added)
