"""RMI's smelter reference across every revision we know: one facility per Smelter ID.

The newest revision gives a facility's standard name and country; the names every older
revision used stay as aliases, so a supplier on an old template still matches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from conflict_minerals.model import LookupEntry, Metal, MineralLookupEntry, SmelterId


@dataclass(frozen=True, slots=True)
class ReferenceRevision:
    """One revision of the reference list, e.g. the Smelter Look-up of CMRT 6.4."""

    label: str  # "CMRT 6.4", "EMRT 2.1"
    list_date: dt.date | None
    entries: tuple[LookupEntry, ...]  # the 3TG rows
    minerals: tuple[MineralLookupEntry, ...] = ()  # rows of other minerals (EMRT, CRT, AMRT)

    @property
    def is_3tg(self) -> bool:
        """Tell whether the 3TG reference uses this revision: it lists 3TG, or nothing else."""
        return bool(self.entries) or not self.minerals

    @property
    def mineral_names(self) -> tuple[str, ...]:
        """The minerals the revision lists facilities for, 3TG included, in list order."""
        return tuple(dict.fromkeys([e.metal.value for e in self.entries] + [e.mineral for e in self.minerals]))

    @property
    def sort_key(self) -> tuple[dt.date, str]:
        """Order revisions oldest first: by list date, then by label."""
        return (self.list_date or dt.date.min, self.label)


@dataclass(frozen=True, slots=True)
class Facility:
    """A smelter or refiner RMI knows, with every name it has been listed under."""

    smelter_id: SmelterId
    metal: Metal
    standard_name: str
    country: str
    city: str | None
    state_province: str | None
    names: frozenset[str]
    revisions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SmelterReference:
    """All facilities of all known revisions, by Smelter ID."""

    facilities: dict[SmelterId, Facility]
    revisions: tuple[str, ...]
    newest: str | None

    @classmethod
    def build(cls, revisions: Iterable[ReferenceRevision]) -> SmelterReference:
        """Merge 3TG revisions oldest to newest; newer facts replace older ones, names accumulate.

        Revisions of other minerals only (an EMRT, CRT or AMRT look-up) are left out: the 3TG
        matcher never sees a cobalt refiner, and the newest revision named stays a CMRT's.
        """
        ordered = sorted((r for r in revisions if r.is_3tg), key=lambda r: r.sort_key)
        facts: dict[SmelterId, LookupEntry] = {}
        names: dict[SmelterId, set[str]] = {}
        seen_in: dict[SmelterId, list[str]] = {}
        for revision in ordered:
            for entry in revision.entries:
                current = facts.get(entry.smelter_id)
                if (
                    current is None
                    or entry.lookup_name == entry.standard_name
                    or current.standard_name != entry.standard_name
                ):
                    facts[entry.smelter_id] = entry
                names.setdefault(entry.smelter_id, set()).update((entry.lookup_name, entry.standard_name))
                labels = seen_in.setdefault(entry.smelter_id, [])
                if not labels or labels[-1] != revision.label:
                    labels.append(revision.label)
        facilities = {
            sid: Facility(
                smelter_id=sid,
                metal=entry.metal,
                standard_name=entry.standard_name,
                country=entry.country,
                city=entry.city,
                state_province=entry.state_province,
                names=frozenset(names[sid]),
                revisions=tuple(seen_in[sid]),
            )
            for sid, entry in facts.items()
        }
        order = tuple(r.label for r in ordered)
        return cls(facilities, order, order[-1] if order else None)

    def get(self, smelter_id: SmelterId | None) -> Facility | None:
        """Return the facility with this ID, or None."""
        return self.facilities.get(smelter_id) if smelter_id else None
