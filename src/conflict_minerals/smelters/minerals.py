"""Facilities of any mineral by ID and name: `MineralReference.build(revisions)`, `.match(mineral, id, name, country)`.

RMI uses one CID series for every template: a Smelter ID names the same facility whichever
look-up (CMRT, EMRT, CRT, AMRT) listed it. When two revisions disagree on a CID's standard name
or country, the revision with the newest list date gives the standard facility (ties: the later
label), as the 3TG reference does; every name any revision used stays a look-up name, so a
supplier on an old CRT still matches a refiner EMRT 2.1 renamed. The 3TG matcher
(`smelters/matching.py`) is not involved: this is the small look-up the extended ingest calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conflict_minerals.cmrt.values import mineral_key, normalize_smelter_id
from conflict_minerals.model import SmelterId
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.reference.smelter_reference import ReferenceRevision
from conflict_minerals.smelters.matching import Method
from conflict_minerals.smelters.names import is_placeholder, looks_like_trader, name_key


@dataclass(frozen=True, slots=True)
class MineralFacility:
    """A facility RMI lists for one or more minerals, with every name it was listed under."""

    smelter_id: SmelterId
    minerals: tuple[str, ...]  # as the newest revision spells them, e.g. ("Cobalt",)
    standard_name: str
    country: str
    city: str | None
    state_province: str | None
    names: frozenset[str]
    revisions: tuple[str, ...]  # labels of the revisions that list it, oldest first


@dataclass(frozen=True, slots=True)
class MineralMatch:
    """What a row names: exact (by Smelter ID), alias (by name), ambiguous, unmatched or rejected."""

    smelter_id: SmelterId | None
    standard_name: str | None
    country: str | None
    method: Method
    problems: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """Tell whether a facility was identified."""
        return self.smelter_id is not None


@dataclass(frozen=True, slots=True)
class _Fact:
    standard_name: str
    country: str
    city: str | None
    state_province: str | None


@dataclass(frozen=True, slots=True)
class MineralReference:
    """Every facility of every revision given, by Smelter ID and by (mineral, normalised name)."""

    facilities: dict[SmelterId, MineralFacility]
    by_name: dict[tuple[str, str], tuple[SmelterId, ...]]
    revisions: tuple[str, ...]

    @classmethod
    def build(cls, revisions: Iterable[ReferenceRevision]) -> MineralReference:
        """Merge revisions (3TG and other minerals) oldest to newest: newer facts win, names accumulate."""
        ordered = sorted(revisions, key=lambda r: r.sort_key)
        facts: dict[SmelterId, _Fact] = {}
        minerals: dict[SmelterId, dict[str, str]] = {}
        names: dict[SmelterId, set[str]] = {}
        seen_in: dict[SmelterId, list[str]] = {}
        for revision in ordered:
            rows = [(e.metal.value, e) for e in revision.entries] + [(e.mineral, e) for e in revision.minerals]
            for mineral, entry in rows:
                sid = entry.smelter_id
                current = facts.get(sid)
                if (
                    current is None
                    or entry.lookup_name == entry.standard_name
                    or current.standard_name != entry.standard_name
                ):
                    facts[sid] = _Fact(entry.standard_name, entry.country, entry.city, entry.state_province)
                minerals.setdefault(sid, {})[mineral_key(mineral)] = mineral
                names.setdefault(sid, set()).update((entry.lookup_name, entry.standard_name))
                labels = seen_in.setdefault(sid, [])
                if not labels or labels[-1] != revision.label:
                    labels.append(revision.label)
        facilities = {
            sid: MineralFacility(
                sid,
                tuple(minerals[sid].values()),
                fact.standard_name,
                fact.country,
                fact.city,
                fact.state_province,
                frozenset(names[sid]),
                tuple(seen_in[sid]),
            )
            for sid, fact in facts.items()
        }
        by_name: dict[tuple[str, str], list[SmelterId]] = {}
        for facility in facilities.values():
            for key in {mineral_key(m) for m in facility.minerals}:
                for name in {name_key(n) for n in facility.names}:
                    by_name.setdefault((key, name), []).append(facility.smelter_id)
        return cls(facilities, {k: tuple(sorted(v)) for k, v in by_name.items()}, tuple(r.label for r in ordered))

    def minerals(self) -> dict[str, int]:
        """How many facilities the reference lists per mineral."""
        counts: dict[str, int] = {}
        for facility in self.facilities.values():
            for mineral in facility.minerals:
                counts[mineral] = counts.get(mineral, 0) + 1
        return dict(sorted(counts.items()))

    def get(self, smelter_id: object) -> MineralFacility | None:
        """Return the facility with this Smelter ID (any spelling: 'cid 3209', 3209), or None."""
        sid = normalize_smelter_id(smelter_id)
        return self.facilities.get(sid) if sid else None

    def match(
        self, mineral: str, smelter_id: object = None, name: str | None = None, country: str | None = None
    ) -> MineralMatch:
        """Find the facility a supplier's row names: by Smelter ID for that mineral, else by normalised name."""
        key = mineral_key(mineral)
        facility = self.get(smelter_id)
        problems: list[str] = []
        if facility is not None:
            if key in {mineral_key(m) for m in facility.minerals}:
                return _found(facility, Method.EXACT, _contradictions(facility, name, country))
            problems.append(f"{facility.smelter_id} is a {'/'.join(facility.minerals)} facility, not {mineral}")
        elif smelter_id not in (None, "") and normalize_smelter_id(smelter_id) is not None:
            problems.append(f"{normalize_smelter_id(smelter_id)} is not in RMI's look-up lists")
        if is_placeholder(name):  # an ID of another mineral is unmatched; a row naming nothing is no facility
            method = Method.UNMATCHED if problems else Method.REJECTED
            return MineralMatch(None, None, None, method, tuple(problems) or ("no facility named",))
        assert name is not None
        found = [self.facilities[sid] for sid in self.by_name.get((key, name_key(name)), ())]
        if len(found) > 1 and (wanted := resolve_country(country)) is not None:
            found = [f for f in found if resolve_country(f.country) == wanted] or found
        if len(found) == 1:
            return _found(found[0], Method.ALIAS, (*problems, *_contradictions(found[0], None, country)))
        if found:
            listed = ", ".join(f.smelter_id for f in found)
            return MineralMatch(None, None, None, Method.AMBIGUOUS, (*problems, f"the name fits {listed}"))
        if looks_like_trader(name):
            return MineralMatch(None, None, None, Method.REJECTED, (*problems, "a trading company, not a facility"))
        return MineralMatch(None, None, None, Method.UNMATCHED, tuple(problems))


def _found(facility: MineralFacility, method: Method, problems: Iterable[str]) -> MineralMatch:
    return MineralMatch(facility.smelter_id, facility.standard_name, facility.country, method, tuple(problems))


def _contradictions(facility: MineralFacility, name: str | None, country: str | None) -> tuple[str, ...]:
    problems = []
    if name and not is_placeholder(name) and name_key(name) not in {name_key(n) for n in facility.names}:
        problems.append(f"the name '{name}' is not a name of {facility.smelter_id} ({facility.standard_name})")
    wanted, listed = resolve_country(country), resolve_country(facility.country)
    if wanted is not None and listed is not None and wanted != listed:
        problems.append(f"{facility.smelter_id} is in {facility.country}, not {country}")
    return tuple(problems)
