"""Which status each facility had on a date, from the snapshots imported up to that date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from conflict_minerals.model import SmelterId
from conflict_minerals.reference.status import StatusBucket, StatusEntry, StatusSnapshot

_PRIORITY = {
    StatusBucket.CONFORMANT: 3,
    StatusBucket.ACTIVE: 2,
    StatusBucket.NOT_CONFORMANT: 1,
    StatusBucket.NOT_LISTED: 0,
}


@dataclass(frozen=True, slots=True)
class StatusBook:
    """Status per Smelter ID as of a date, and the snapshots that said so."""

    as_of: dt.date
    entries: dict[SmelterId, tuple[StatusEntry, StatusSnapshot]]
    snapshots: tuple[StatusSnapshot, ...]
    conflicts: tuple[tuple[SmelterId, str, str], ...] = ()  # ID, label kept, label set aside (same date)

    @classmethod
    def build(cls, snapshots: Iterable[StatusSnapshot], as_of: dt.date) -> StatusBook:
        """Use the newest snapshot of each kind on or before `as_of`; newer dates win per facility."""
        newest: dict[str | None, StatusSnapshot] = {}
        for snapshot in snapshots:
            if snapshot.as_of > as_of:
                continue
            current = newest.get(snapshot.list_kind)
            if current is None or snapshot.as_of > current.as_of:
                newest[snapshot.list_kind] = snapshot
            elif snapshot.as_of == current.as_of and snapshot.list_kind is None:
                newest[f"{snapshot.source}"] = snapshot  # several full lists of one day: keep them all
        entries: dict[SmelterId, tuple[StatusEntry, StatusSnapshot]] = {}
        conflicts: list[tuple[SmelterId, str, str]] = []
        for snapshot in sorted(newest.values(), key=lambda s: s.as_of):
            for entry in snapshot.entries:
                held = entries.get(entry.smelter_id)
                if held is not None and held[1].as_of == snapshot.as_of and held[0].bucket != entry.bucket:
                    kept, other = (entry, held[0]) if _wins(entry, snapshot, *held) else (held[0], entry)
                    conflicts.append((entry.smelter_id, kept.label, other.label))
                if held is None or _wins(entry, snapshot, *held):
                    entries[entry.smelter_id] = (entry, snapshot)
        ordered = tuple(sorted(newest.values(), key=lambda s: (s.as_of, s.source)))
        return cls(as_of, entries, ordered, tuple(conflicts))

    def status(self, smelter_id: SmelterId | None) -> tuple[StatusBucket, str | None, StatusSnapshot | None]:
        """Return (bucket, raw label, snapshot) for a facility; not listed when no list names it."""
        held = self.entries.get(smelter_id) if smelter_id else None
        if held is None:
            return StatusBucket.NOT_LISTED, None, None
        return held[0].bucket, held[0].label, held[1]


def _wins(entry: StatusEntry, snapshot: StatusSnapshot, held: StatusEntry, held_snapshot: StatusSnapshot) -> bool:
    if snapshot.as_of != held_snapshot.as_of:
        return snapshot.as_of > held_snapshot.as_of
    # Two lists of one date disagree: the worse status stands (a filing must not claim the better one).
    return _PRIORITY[entry.bucket] < _PRIORITY[held.bucket]
