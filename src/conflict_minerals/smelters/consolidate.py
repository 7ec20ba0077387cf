"""One list of unique facilities across every supplier CMRT, with status and risk location.

Keyed by Smelter ID; rows no reference facility matches are kept, keyed by normalised
name + metal + country. Rows that are not facilities are reported, never counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from conflict_minerals.model import CmrtDocument, Finding, Metal, Severity, SmelterRow, SourceRef
from conflict_minerals.reference.countries import resolve_country
from conflict_minerals.reference.status import StatusBucket
from conflict_minerals.smelters.matching import Matcher, Method, SmelterMatch
from conflict_minerals.smelters.names import name_key
from conflict_minerals.smelters.status_book import StatusBook


@dataclass(frozen=True, slots=True)
class RowSource:
    """A supplier file and row that named a facility."""

    file: str
    row: int
    supplier: str


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """A row that did not become a known facility, with the reason."""

    source: RowSource
    metal: Metal | None
    name: str | None
    country: str | None
    method: Method
    reason: str


@dataclass(frozen=True, slots=True)
class ConsolidatedFacility:
    """One real facility in the supply chain, with who named it and its status on the date."""

    key: str
    smelter_id: str | None
    metal: Metal | None
    name: str
    country: str | None
    country_code: str | None
    status: StatusBucket
    status_label: str | None
    status_list: str | None
    methods: tuple[Method, ...]
    sources: tuple[RowSource, ...]
    covered_country: bool
    cahra: bool
    in_africa: bool

    @property
    def suppliers(self) -> tuple[str, ...]:
        """Return the suppliers that named this facility, in the order first seen."""
        return tuple(dict.fromkeys(source.supplier for source in self.sources))


@dataclass(frozen=True, slots=True)
class Consolidation:
    """The consolidated facility list and everything that did not make it in."""

    as_of: str
    facilities: tuple[ConsolidatedFacility, ...]
    unmatched: tuple[RowOutcome, ...]  # names awaiting a reviewer's decision (unmatched or ambiguous): not counted
    rejected: tuple[RowOutcome, ...]
    findings: tuple[Finding, ...] = field(default=())
    excluded: tuple[RowOutcome, ...] = field(default=())  # excluded by a reviewer's decision
    rulings_used: tuple[tuple[int, int], ...] = field(default=())  # (decision id, rows it decided)

    def counts(self) -> dict[str, object]:
        """Return total, per-metal and per-status counts of the facilities."""
        by_metal = {metal.value: 0 for metal in Metal}
        by_status = {bucket.value: 0 for bucket in StatusBucket}
        for facility in self.facilities:
            if facility.metal:
                by_metal[facility.metal.value] += 1
            by_status[facility.status.value] += 1
        return {"total": len(self.facilities), "by_metal": by_metal, "by_status": by_status}


class RowFacts(NamedTuple):
    """What consolidation needs of a Smelter List row (from a read document or from stored rows)."""

    row: int
    metal: Metal | None
    smelter_id: str | None
    reported_name: str | None
    country: str | None
    not_yet_identified: bool

    @classmethod
    def of(cls, row: SmelterRow) -> RowFacts:
        """The facts of a read row."""
        return cls(row.row, row.metal, row.smelter_id, row.reported_name, row.country, row.not_yet_identified)


@dataclass(frozen=True, slots=True)
class Ruling:
    """A reviewer's decision as consolidation applies it: map (with the match), confirm, or exclude."""

    id: int
    action: str  # "map", "confirm" or "exclude"
    match: SmelterMatch | None
    note: str


UNVERIFIED = (Method.UNMATCHED, Method.AMBIGUOUS)


@dataclass
class _Draft:
    match: SmelterMatch
    row: RowFacts
    sources: list[RowSource] = field(default_factory=list)
    methods: list[Method] = field(default_factory=list)


KnownMatches = Mapping[tuple[str, int], SmelterMatch]  # (document sha256, row) -> match stored at ingest
MergeItem = tuple[RowSource, RowFacts, SmelterMatch, str | None]  # the last: the stored facility key, if any


def consolidate(
    documents: Sequence[CmrtDocument],
    matcher: Matcher | None,
    statuses: StatusBook,
    cahra: Iterable[str] | None = None,
    known: KnownMatches | None = None,
    supplier_of: Mapping[str, str] | None = None,
) -> Consolidation:
    """Merge the smelter rows of all documents into unique facilities.

    `known` gives the matches stored at ingest (no row is matched twice); `supplier_of` names
    the supplier of record of each document (by sha256) instead of the name it declares.
    """

    def items() -> Iterator[MergeItem]:
        for document in documents:
            supplier = (supplier_of or {}).get(document.sha256) or document.company.name or document.source.file
            for row in document.smelters:
                stored = known.get((document.sha256, row.row)) if known is not None else None
                match = stored or match_row(_require(matcher), row)
                yield RowSource(document.source.file, row.row, supplier), RowFacts.of(row), match, None

    return merge_rows(items(), statuses, cahra)


def merge_rows(
    items: Iterable[MergeItem],
    statuses: StatusBook,
    cahra: Iterable[str] | None = None,
    with_findings: bool = True,
    rulings: Mapping[str, Ruling] | None = None,
) -> Consolidation:
    """Merge matched rows into unique facilities, applying reviewers' rulings.

    Rows that are not facilities, names nobody could identify yet and excluded facilities are
    reported, never counted.
    """
    cahra_codes = frozenset(cahra or ())
    drafts: dict[str, _Draft] = {}
    unmatched: list[RowOutcome] = []
    rejected: list[RowOutcome] = []
    excluded: list[RowOutcome] = []
    findings: list[Finding] = []
    used: Counter[int] = Counter()
    for source, row, found, stored_key in items:
        if with_findings:
            findings += _row_findings(source.file, row, found)
        ruling = ruling_for(rulings, row, found) if rulings else None
        match, key = found, stored_key
        if ruling is not None:
            used[ruling.id] += 1
            if ruling.action == "exclude":
                excluded.append(
                    RowOutcome(source, row.metal, row.reported_name, row.country, found.method, ruling.note)
                )
                continue
            match = ruling.match or _confirmed(row, ruling)
            key = None
        if match.method is Method.REJECTED:
            rejected.append(_outcome(source, row, match))
            continue
        if match.method in UNVERIFIED:
            unmatched.append(_outcome(source, row, match))
            continue
        key = key or facility_key(row, match)
        draft = drafts.get(key)
        if draft is None:
            draft = drafts[key] = _Draft(match, row)
        draft.sources.append(source)
        draft.methods.append(match.method)
    facilities = tuple(
        sorted((_facility(key, draft, statuses, cahra_codes) for key, draft in drafts.items()), key=_order)
    )
    return Consolidation(
        statuses.as_of.isoformat(),
        facilities,
        tuple(unmatched),
        tuple(rejected),
        tuple(findings),
        tuple(excluded),
        tuple(sorted(used.items())),
    )


def ruling_for(rulings: Mapping[str, Ruling], row: SmelterRow | RowFacts, match: SmelterMatch) -> Ruling | None:
    """The ruling on a row's name (metal, name, country), else on the Smelter ID it was matched to."""
    if row.reported_name:
        found = rulings.get(facility_key(row, NO_MATCH))
        if found is not None:
            return found
    return rulings.get(match.smelter_id) if match.smelter_id else None


def _confirmed(row: RowFacts, ruling: Ruling) -> SmelterMatch:
    return SmelterMatch(None, None, row.metal, row.country, Method.CONFIRMED, 1.0, ruling.note)


NO_MATCH = SmelterMatch(None, None, None, None, Method.UNMATCHED, 0.0)


def _require(matcher: Matcher | None) -> Matcher:
    if matcher is None:
        raise ValueError("a row has no stored match and no matcher was given")
    return matcher


def match_row(matcher: Matcher, row: SmelterRow) -> SmelterMatch:
    """Match one Smelter List row; 'not yet identified' placeholders are rejected without a look-up."""
    if row.not_yet_identified and row.smelter_id is None:
        return SmelterMatch(
            None, None, row.metal, None, Method.REJECTED, 0.0, "'Smelter not yet identified' placeholder"
        )
    return matcher.match(row.reported_name, row.metal, row.country, row.smelter_id)


def facility_key(row: SmelterRow | RowFacts, match: SmelterMatch) -> str:
    """The consolidation key of a row: its Smelter ID, else normalised metal + name + country."""
    if match.smelter_id:
        return match.smelter_id
    country = resolve_country(row.country)
    return f"{row.metal or '?'}|{name_key(row.reported_name or '')}|{country.code if country else row.country or '?'}"


def _outcome(source: RowSource, row: RowFacts, match: SmelterMatch) -> RowOutcome:
    return RowOutcome(source, row.metal, row.reported_name, row.country, match.method, match.reason or "")


def _row_findings(file: str, row: RowFacts, match: SmelterMatch) -> list[Finding]:
    where = SourceRef(file, "Smelter List", f"A{row.row}" if row.smelter_id else f"C{row.row}")
    found = [Finding(where, "SMELTER-003", Severity.WARNING, problem) for problem in match.problems]
    if match.method is Method.PROBABLE:
        message = f"'{row.reported_name}' was taken to be {match.smelter_id} ({match.standard_name}); please confirm."
        found.append(Finding(where, "SMELTER-004", Severity.INFO, message))
    elif match.method is Method.AMBIGUOUS:
        could_be = ", ".join(f"{c.smelter_id} ({c.name}, {c.country})" for c in match.candidates)
        message = f"'{row.reported_name}' could be any of several facilities: {could_be}; ask the supplier which."
        found.append(Finding(where, "SMELTER-007", Severity.WARNING, message))
    elif match.method is Method.UNMATCHED:
        message = (
            f"'{row.reported_name}' matches no facility in RMI's list ({match.reason}); ask the supplier for its ID."
        )
        found.append(Finding(where, "SMELTER-005", Severity.WARNING, message))
    elif match.method is Method.REJECTED and not row.not_yet_identified:
        found.append(
            Finding(where, "SMELTER-006", Severity.WARNING, f"'{row.reported_name}' is not a facility: {match.reason}.")
        )
    return found


def _facility(key: str, draft: _Draft, statuses: StatusBook, cahra: frozenset[str]) -> ConsolidatedFacility:
    match, row = draft.match, draft.row
    country_text = match.country if match.smelter_id else row.country
    country = resolve_country(country_text)
    bucket, label, snapshot = statuses.status(match.smelter_id)
    return ConsolidatedFacility(
        key=key,
        smelter_id=match.smelter_id,
        metal=match.metal or row.metal,
        name=(match.standard_name if match.smelter_id else row.reported_name) or "",
        country=country_text,
        country_code=country.code if country else None,
        status=bucket,
        status_label=label,
        status_list=snapshot.source if snapshot else None,
        methods=tuple(dict.fromkeys(draft.methods)),
        sources=tuple(draft.sources),
        covered_country=bool(country and country.covered),
        cahra=bool(country and country.code in cahra),
        in_africa=bool(country and country.in_africa),
    )


def _order(facility: ConsolidatedFacility) -> tuple[str, str, str]:
    return (facility.metal.value if facility.metal else "~", facility.name.casefold(), facility.key)
