"""A mineral facility's RMI status as of a date: `MineralStatusBook.build(lists, as_of).status(mineral, id)`.

RMI publishes its lists per mineral (cobalt refiners, mica processors, ...). Each mineral gets its
own StatusBook, built by the same rules as the 3TG one: the newest list of each kind on or before
the date, newer dates win per facility, and two lists of one date that disagree keep the worse
status. A cobalt list therefore never replaces a mica list of the same kind, nor a 3TG list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from conflict_minerals.cmrt.values import mineral_key
from conflict_minerals.model import SmelterId
from conflict_minerals.reference.status import StatusBucket, StatusSnapshot, mineral_lists
from conflict_minerals.smelters.status_book import StatusBook


@dataclass(frozen=True, slots=True)
class MineralStatus:
    """A facility's status for one mineral, with the raw label and the list that said so."""

    bucket: StatusBucket
    label: str | None
    source: str | None
    list_as_of: dt.date | None


@dataclass(frozen=True, slots=True)
class MineralStatusBook:
    """One StatusBook per mineral, as of a date."""

    as_of: dt.date
    books: dict[str, StatusBook]  # by mineral_key

    @classmethod
    def build(cls, snapshots: Iterable[StatusSnapshot], as_of: dt.date) -> MineralStatusBook:
        """Split the lists' rows of other minerals by mineral and build a StatusBook for each."""
        per_mineral: dict[str, list[StatusSnapshot]] = {}
        for snapshot in mineral_lists(snapshots):
            keys = {mineral_key(e.mineral) for e in snapshot.entries if e.mineral}
            for key in sorted(keys):
                rows = tuple(e for e in snapshot.entries if e.mineral and mineral_key(e.mineral) == key)
                per_mineral.setdefault(key, []).append(replace(snapshot, entries=rows))
        return cls(as_of, {key: StatusBook.build(lists, as_of) for key, lists in per_mineral.items()})

    def status(self, mineral: str, smelter_id: SmelterId | None) -> MineralStatus:
        """Return a facility's status for a mineral; not listed when no list of that mineral names it."""
        book = self.books.get(mineral_key(mineral))
        if book is None:
            return MineralStatus(StatusBucket.NOT_LISTED, None, None, None)
        bucket, label, snapshot = book.status(smelter_id)
        return MineralStatus(bucket, label, snapshot.source if snapshot else None, snapshot.as_of if snapshot else None)

    def conflicts(self) -> tuple[tuple[str, SmelterId, str, str], ...]:
        """Facilities two lists of one date disagree on: (mineral key, ID, label kept, label set aside)."""
        return tuple((key, *conflict) for key, book in sorted(self.books.items()) for conflict in book.conflicts)


def mineral_status(
    snapshots: Iterable[StatusSnapshot], mineral: str, smelter_id: SmelterId | None, as_of: dt.date
) -> MineralStatus:
    """Return one facility's status for a mineral as of a date (build a MineralStatusBook for many)."""
    return MineralStatusBook.build(snapshots, as_of).status(mineral, smelter_id)
