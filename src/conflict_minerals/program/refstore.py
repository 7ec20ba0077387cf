"""The workspace's trusted reference data, in its database: shared by every user of the workspace.

Only trusted sources change it: the look-up revisions bundled with the package and what an
operator imports (`refdata import`, status lists, the CAHRA list). A supplier's file never
does. Every import is an audited event and is kept, so a past report can be reproduced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from conflict_minerals.cmrt.values import parse_metal
from conflict_minerals.model import LookupEntry, MineralLookupEntry
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import (
    bulk_insert,
    cahra_lists,
    inserted_id,
    reference_entries,
    reference_revisions,
    status_entries,
    status_lists,
)
from conflict_minerals.reference.smelter_reference import ReferenceRevision, SmelterReference
from conflict_minerals.reference.snapshot import bundled_revisions
from conflict_minerals.reference.status import StatusBucket, StatusEntry, StatusSnapshot, mineral_lists, three_tg_lists
from conflict_minerals.smelters.minerals import MineralReference

if TYPE_CHECKING:
    from conflict_minerals.program.workspace import Workspace

_ENTRY_FIELDS = ("lookup_name", "standard_name", "country", "smelter_id", "id_source", "city", "state_province")
_STATUS_FIELDS = ("smelter_id", "name", "country", "label", "last_audit", "audit_cycle")


class DatabaseReferenceStore:
    """Look-up revisions, status lists and the CAHRA list of one workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    # Look-up revisions -------------------------------------------------------------
    def add_revision(self, revision: ReferenceRevision, source: str = "", actor: str | None = None) -> bool:
        """Keep an operator-imported look-up revision (any template); return False when it was already known.

        Rows of other minerals are stored beside the 3TG ones, their metal column holding the
        mineral's name ("Cobalt"); only `all_revisions` returns them.
        """
        if revision.label in {r.revision for r in bundled_revisions()}:
            return False
        with self.workspace.transaction() as connection:
            known = connection.execute(
                select(reference_revisions.c.id).where(reference_revisions.c.label == revision.label)
            ).first()
            if known is not None:
                return False
            who = actor or self.workspace.actor
            revision_id = inserted_id(
                connection.execute(
                    insert(reference_revisions).values(
                        label=revision.label,
                        list_date=revision.list_date,
                        source=source,
                        imported_at=now(),
                        imported_by=who,
                    )
                )
            )
            rows = [
                {"revision_id": revision_id, "metal": e.metal.value, **{f: getattr(e, f) for f in _ENTRY_FIELDS}}
                for e in revision.entries
            ] + [
                {"revision_id": revision_id, "metal": e.mineral, **{f: getattr(e, f) for f in _ENTRY_FIELDS}}
                for e in revision.minerals
            ]
            bulk_insert(connection, reference_entries, rows)
            record(
                connection,
                who,
                "reference.lookup_imported",
                {
                    "label": revision.label,
                    "entries": len(rows),
                    "minerals": list(revision.mineral_names),
                    "source": source,
                },
            )
        return True

    def revisions(self) -> list[ReferenceRevision]:
        """Return the 3TG revisions, bundled and imported, oldest first (EMRT, CRT, AMRT look-ups left out)."""
        return [r for r in self.all_revisions() if r.is_3tg]

    def all_revisions(self) -> list[ReferenceRevision]:
        """Return the bundled revisions and every imported one, of any template, oldest first."""
        found = {s.revision: ReferenceRevision(s.revision, s.list_date, s.entries) for s in bundled_revisions()}
        with self.workspace.read() as connection:
            heads = connection.execute(select(reference_revisions).order_by(reference_revisions.c.id)).all()
            entries: dict[int, list[LookupEntry]] = {h.id: [] for h in heads}
            minerals: dict[int, list[MineralLookupEntry]] = {h.id: [] for h in heads}
            for e in connection.execute(select(reference_entries).order_by(reference_entries.c.id)):
                fields = {f: getattr(e, f) for f in _ENTRY_FIELDS}
                metal = parse_metal(e.metal)
                if metal is not None:
                    entries[e.revision_id].append(LookupEntry(metal=metal, **fields))
                else:
                    minerals[e.revision_id].append(MineralLookupEntry(mineral=e.metal, **fields))
        for head in heads:
            revision = ReferenceRevision(head.label, head.list_date, tuple(entries[head.id]), tuple(minerals[head.id]))
            found.setdefault(head.label, revision)
        return sorted(found.values(), key=lambda r: r.sort_key)

    def reference(self) -> SmelterReference:
        """Return every trusted 3TG revision merged."""
        return SmelterReference.build(self.revisions())

    def mineral_reference(self) -> MineralReference:
        """Return every trusted revision of every template merged, for minerals other than 3TG."""
        return MineralReference.build(self.all_revisions())

    # Status lists ------------------------------------------------------------------
    def add_status(self, snapshot: StatusSnapshot, actor: str | None = None) -> bool:
        """Keep a status list; the same file for the same date and kind is stored once (return False)."""
        who = actor or self.workspace.actor
        with self.workspace.transaction() as connection:
            same = connection.execute(
                select(status_lists.c.id).where(
                    status_lists.c.sha256 == snapshot.sha256,
                    status_lists.c.as_of == snapshot.as_of,
                    (status_lists.c.list_kind == snapshot.list_kind)
                    if snapshot.list_kind
                    else status_lists.c.list_kind.is_(None),
                )
            ).first()
            if same is not None:
                return False
            list_id = inserted_id(
                connection.execute(
                    insert(status_lists).values(
                        as_of=snapshot.as_of,
                        source=snapshot.source,
                        sha256=snapshot.sha256,
                        list_kind=snapshot.list_kind,
                        imported_at=now(),
                        imported_by=who,
                    )
                )
            )
            rows = [
                {
                    "list_id": list_id,
                    "metal": e.metal.value if e.metal else e.mineral,
                    "bucket": e.bucket.value,
                    **{f: getattr(e, f) for f in _STATUS_FIELDS},
                }
                for e in snapshot.entries
            ]
            bulk_insert(connection, status_entries, rows)
            record(
                connection,
                who,
                "reference.status_imported",
                {"source": snapshot.source, "as_of": snapshot.as_of.isoformat(), "entries": len(rows)},
            )
        return True

    def status_snapshots(self) -> list[StatusSnapshot]:
        """Return every stored 3TG status list, oldest first."""
        with self.workspace.read() as connection:
            return load_status_snapshots(connection)

    def mineral_status_snapshots(self) -> list[StatusSnapshot]:
        """Return the stored status lists of other minerals (cobalt refiners, ...), oldest first."""
        with self.workspace.read() as connection:
            return load_mineral_status_snapshots(connection)

    # CAHRA list --------------------------------------------------------------------
    def set_cahra(self, codes: list[str], source: str, actor: str | None = None) -> None:
        """Replace the CAHRA list (ISO alpha-2 codes); earlier lists stay in the database."""
        who = actor or self.workspace.actor
        countries = sorted(set(codes))
        with self.workspace.transaction() as connection:
            connection.execute(
                insert(cahra_lists).values(
                    source=source, countries=json.dumps(countries), imported_at=now(), imported_by=who
                )
            )
            record(connection, who, "reference.cahra_imported", {"source": source, "countries": len(countries)})

    def cahra(self) -> frozenset[str] | None:
        """Return the newest imported CAHRA countries, or None when no list was imported."""
        with self.workspace.read() as connection:
            newest = connection.execute(select(cahra_lists.c.countries).order_by(cahra_lists.c.id.desc())).first()
        return frozenset(json.loads(newest.countries)) if newest else None

    def version_label(self) -> str:
        """Name the reference in use, as recorded with every stored match."""
        return reference_label(self.revisions())


def reference_label(revisions: Sequence[ReferenceRevision]) -> str:
    """Name a set of revisions: the newest and how many ('CMRT 6.5 (6 revisions)')."""
    labels = [r.label for r in revisions]  # oldest first, as revisions() gives them
    return f"{labels[-1]} ({len(labels)} revisions)" if labels else "none"


def load_status_snapshots(connection: Connection) -> list[StatusSnapshot]:
    """Read every 3TG status list of a workspace, oldest first (rows of other minerals left out)."""
    return three_tg_lists(_all_status_snapshots(connection))


def load_mineral_status_snapshots(connection: Connection) -> list[StatusSnapshot]:
    """Read the status lists of other minerals (cobalt refiners, mica processors, ...), oldest first."""
    return mineral_lists(_all_status_snapshots(connection))


def _all_status_snapshots(connection: Connection) -> list[StatusSnapshot]:
    heads = connection.execute(select(status_lists).order_by(status_lists.c.id)).all()
    entries: dict[int, list[StatusEntry]] = {h.id: [] for h in heads}
    for e in connection.execute(select(status_entries).order_by(status_entries.c.id)):
        metal = parse_metal(e.metal)
        entries[e.list_id].append(
            StatusEntry(
                metal=metal,
                bucket=StatusBucket(e.bucket),
                **{f: getattr(e, f) for f in _STATUS_FIELDS},
                mineral=e.metal if e.metal and metal is None else None,
            )
        )
    snapshots = [StatusSnapshot(h.as_of, h.source, h.sha256, h.list_kind, tuple(entries[h.id])) for h in heads]
    return sorted(snapshots, key=lambda s: (s.as_of, s.source))
