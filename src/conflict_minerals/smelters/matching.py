"""Match a supplier's smelter row to a facility of RMI's reference list.

In order: a valid Smelter ID (exists, metal agrees) is an exact match; a name equal to a
known name or alias once normalised is an alias match; a close name (rapidfuzz), with
country and metal as tie-breakers, is a probable match; anything else is unmatched, or
rejected when it is not a facility at all (placeholder, trading company).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from conflict_minerals.model import Metal, SmelterId
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.reference.smelter_reference import Facility, SmelterReference
from conflict_minerals.smelters.names import is_placeholder, looks_like_trader, name_key, plain_words

PROBABLE_THRESHOLD = 90.0
AMBIGUITY_MARGIN = 4.0
COUNTRY_BONUS = 4.0
COUNTRY_PENALTY = 12.0
NAME_AGREEMENT = 70.0  # below this an ID's name is taken to contradict it


class Method(StrEnum):
    """How a row was matched, from most to least certain."""

    EXACT = "exact"
    ALIAS = "alias"
    PROBABLE = "probable"
    REVIEWED = "reviewed"  # a reviewer mapped the name to a Smelter ID
    CONFIRMED = "confirmed"  # a reviewer confirmed a facility that is not on RMI's list
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A facility a name could mean, with how close the name is (0-100)."""

    smelter_id: SmelterId
    name: str
    country: str
    score: float


MAX_CANDIDATES = 8
# A name that starts with one of these tells nothing about which facility is meant.
GENERIC_WORDS = frozenset(
    [
        "gold",
        "tin",
        "tantalum",
        "tungsten",
        "metal",
        "metals",
        "smelting",
        "smelter",
        "smelters",
        "refinery",
        "refining",
        "refiner",
        "mining",
        "mine",
        "precious",
        "nonferrous",
        "non",
        "ferrous",
        "industry",
        "industries",
        "industrial",
        "group",
        "the",
        "materials",
        "company",
    ]
)


@dataclass(frozen=True, slots=True)
class SmelterMatch:
    """The facility a row names, how it was found, and anything that contradicts it."""

    smelter_id: SmelterId | None
    standard_name: str | None
    metal: Metal | None
    country: str | None
    method: Method
    confidence: float
    reason: str | None = None
    problems: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()

    @property
    def matched(self) -> bool:
        """Tell whether a facility was identified."""
        return self.smelter_id is not None


def _found(facility: Facility, method: Method, confidence: float, problems: tuple[str, ...] = ()) -> SmelterMatch:
    return SmelterMatch(
        facility.smelter_id,
        facility.standard_name,
        facility.metal,
        facility.country,
        method,
        confidence,
        None,
        problems,
    )


class Matcher:
    """Matches names and IDs against a SmelterReference; build once, use for many rows."""

    def __init__(self, reference: SmelterReference) -> None:
        self.reference = reference
        self._alias: dict[tuple[Metal | None, str], set[SmelterId]] = defaultdict(set)
        choices: dict[Metal | None, list[tuple[str, SmelterId]]] = defaultdict(list)
        for facility in reference.facilities.values():
            for name in facility.names:
                key = name_key(name)
                for metal in (facility.metal, None):
                    self._alias[(metal, key)].add(facility.smelter_id)
                    # fuzzy matching sees the name with and without legal forms: typos hit both
                    for form in {key, plain_words(name)}:
                        choices[metal].append((form, facility.smelter_id))
        self._choices = {metal: ([k for k, _ in pairs], [i for _, i in pairs]) for metal, pairs in choices.items()}
        self._words: dict[tuple[Metal | None, str], set[SmelterId]] = defaultdict(set)
        for facility in reference.facilities.values():
            for name in facility.names:
                for word in key_words(name):
                    for metal in (facility.metal, None):
                        self._words[(metal, word)].add(facility.smelter_id)

    def match(
        self,
        name: str | None,
        metal: Metal | None = None,
        country: str | None = None,
        smelter_id: SmelterId | None = None,
    ) -> SmelterMatch:
        """Identify the facility a row names."""
        problems: list[str] = []
        if smelter_id:
            by_id = self._by_id(smelter_id, name, metal, country, problems)
            if by_id is not None:
                return by_id
        if is_placeholder(name):
            reason = "placeholder, not a facility" if name else "no name"
            return SmelterMatch(None, None, metal, country, Method.REJECTED, 0.0, reason, tuple(problems))
        assert name is not None
        found = self._by_alias(name, metal, country) or self._by_fuzzy(name, metal, country)
        if isinstance(found, SmelterMatch) and found.method is Method.PROBABLE:
            # a close spelling is not enough when the name's words fit several facilities of one company
            shared = self.candidates(name, metal, country)
            if len(shared) > 1 and found.smelter_id in {c.smelter_id for c in shared}:
                found = [c.smelter_id for c in shared]
        if isinstance(found, SmelterMatch):
            return dataclasses.replace(found, problems=(*problems, *found.problems))
        candidates = self.candidates(name, metal, country, found)
        only = _only_one_in(candidates, country)
        if only is not None:  # 'Metalor' in Switzerland: one of the company's refineries is there
            facility = self.reference.facilities[only.smelter_id]
            return dataclasses.replace(
                _found(facility, Method.PROBABLE, 0.85),
                reason=f"the only facility of that name in {facility.country}",
                problems=tuple(problems),
                candidates=candidates,
            )
        if candidates:
            listed = "; ".join(f"{c.smelter_id} {c.name} ({c.country})" for c in candidates)
            reason = f"ambiguous: could be {listed}"
            return SmelterMatch(None, None, metal, country, Method.AMBIGUOUS, 0.0, reason, tuple(problems), candidates)
        method, reason = Method.UNMATCHED, "no facility of that name in RMI's reference list"
        if looks_like_trader(name):
            method, reason = Method.REJECTED, "reads like a trading or sales company, not a smelter"
        return SmelterMatch(None, None, metal, country, method, 0.0, reason, tuple(problems))

    def candidates(
        self, name: str, metal: Metal | None, country: str | None, near: list[SmelterId] | None = None
    ) -> tuple[Candidate, ...]:
        """Facilities a short or shared name could mean: every facility with all its words, or near it by spelling.

        'Metalor' is four refineries; 'Malaysia Smelting Corp' two. Those in the given country come first.
        """
        words = key_words(name)
        ids = set(near or ())
        if words and len("".join(words)) >= 4 and words[0] not in GENERIC_WORDS:
            sets = [self._words.get((metal, word), set()) for word in words]
            shared = set.intersection(*sets) if all(sets) else set()
            # the name must start as the facility's does: 'Metalor' is a brand, 'Smelting' says nothing
            ids |= {i for i in shared if any(key_words(n)[:1] == words[:1] for n in self.reference.facilities[i].names)}
        given = resolve_country(country)
        scored = []
        for smelter_id in ids:
            facility = self.reference.facilities[smelter_id]
            score = max(fuzz.token_set_ratio(name_key(name), name_key(known)) for known in facility.names)
            here = given is not None and resolve_country(facility.country) == given
            scored.append((not here, -score, smelter_id, facility))
        scored.sort(key=lambda item: item[:3])
        return tuple(
            Candidate(f.smelter_id, f.standard_name, f.country, round(-negative, 1))
            for _, negative, _, f in scored[:MAX_CANDIDATES]
        )

    def _by_id(
        self, smelter_id: SmelterId, name: str | None, metal: Metal | None, country: str | None, problems: list[str]
    ) -> SmelterMatch | None:
        facility = self.reference.get(smelter_id)
        if facility is None:
            problems.append(f"{smelter_id} is not a Smelter ID in any reference revision")
            return None
        if metal is not None and metal is not facility.metal:
            problems.append(f"{smelter_id} is a {facility.metal} smelter, not {metal}")
            return None
        own = self._contradictions(facility, name, country)
        return _found(facility, Method.EXACT, 0.6 if own else 1.0, tuple(own))

    def _contradictions(self, facility: Facility, name: str | None, country: str | None) -> list[str]:
        found = []
        if name and not is_placeholder(name):
            other = self._by_alias(name, facility.metal, None)
            if isinstance(other, SmelterMatch) and other.smelter_id != facility.smelter_id:
                found.append(
                    f"the name '{name}' is {other.smelter_id} ({other.standard_name}), not {facility.smelter_id}"
                )
            elif other is None and _similarity(name, facility) < NAME_AGREEMENT:
                found.append(f"the name '{name}' is not a name of {facility.smelter_id} ({facility.standard_name})")
        given, known = resolve_country(country), resolve_country(facility.country)
        if given and known and given.code != known.code:
            found.append(f"{facility.smelter_id} is in {facility.country}, not {country}")
        return found

    def _by_alias(self, name: str, metal: Metal | None, country: str | None) -> SmelterMatch | list[SmelterId] | None:
        ids = self._alias.get((metal, name_key(name)))
        if not ids:
            return None
        candidates = [self.reference.facilities[i] for i in sorted(ids)]
        if len(candidates) > 1:
            candidates = _same_country(candidates, country) or candidates
        if len(candidates) > 1:  # 'H.C. Starck Inc.' vs 'H.C. Starck Co., Ltd.': the legal form decides
            plain = plain_words(name)
            candidates = [f for f in candidates if plain in {plain_words(n) for n in f.names}] or candidates
        if len(candidates) == 1:
            return _found(candidates[0], Method.ALIAS, 0.97)
        return [f.smelter_id for f in candidates]

    def _by_fuzzy(self, name: str, metal: Metal | None, country: str | None) -> SmelterMatch | list[SmelterId] | None:
        keys, ids = self._choices.get(metal, ([], []))
        key = name_key(name)
        if not keys or len(key) < 4:
            return None
        hits = []
        for query in {key, plain_words(name)}:
            hits += process.extract(
                query, keys, scorer=_score, limit=12, score_cutoff=PROBABLE_THRESHOLD - COUNTRY_BONUS
            )
        given = resolve_country(country)
        best: dict[SmelterId, float] = {}
        for _, score, position in hits:
            facility = self.reference.facilities[ids[position]]
            best[facility.smelter_id] = max(best.get(facility.smelter_id, 0.0), _adjust(score, facility, given))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < PROBABLE_THRESHOLD:
            return None
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < AMBIGUITY_MARGIN:
            return [smelter_id for smelter_id, score in ranked if ranked[0][1] - score < AMBIGUITY_MARGIN]
        return _found(self.reference.facilities[ranked[0][0]], Method.PROBABLE, round(min(ranked[0][1], 99) / 100, 2))


def _only_one_in(candidates: tuple[Candidate, ...], country: str | None) -> Candidate | None:
    """The one candidate in the given country, when several fit the name but only one is there."""
    given = resolve_country(country)
    if given is None or len(candidates) < 2:
        return None
    here = [c for c in candidates if resolve_country(c.country) == given]
    return here[0] if len(here) == 1 else None


def key_words(name: str) -> list[str]:
    """The words of a name that tell facilities apart (legal forms dropped)."""
    return name_key(name).split()


def _similarity(name: str, facility: Facility) -> float:
    key = name_key(name)
    return max(fuzz.token_set_ratio(key, name_key(known)) for known in facility.names)


def _score(query: str, choice: str, **_: object) -> float:
    return max(fuzz.ratio(query, choice), fuzz.token_sort_ratio(query, choice))


def _adjust(score: float, facility: Facility, given: object) -> float:
    if given is None:
        return score
    known = resolve_country(facility.country)
    if known is None:
        return score
    return score + COUNTRY_BONUS if known == given else score - COUNTRY_PENALTY


def _same_country(candidates: list[Facility], country: str | None) -> list[Facility]:
    given = resolve_country(country)
    if given is None:
        return []
    return [f for f in candidates if (resolve_country(f.country) or given).code == given.code]
