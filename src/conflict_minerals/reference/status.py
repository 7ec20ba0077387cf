"""RMI status lists as a user downloads them: find the columns by meaning, bucket the status.

Buckets: conformant (incl. cross-recognised LBMA/RJC and CFSI-era "Compliant"), active
(incl. "In Progress"), not conformant (non-conformant, suspended, outreach required, ...)
and not listed. The raw label is always kept next to the bucket. Lists of other minerals
(cobalt refiners, mica processors) are read the same way; their rows carry the mineral as text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from conflict_minerals.cmrt.tables import read_table
from conflict_minerals.cmrt.values import clean_text, normalize_smelter_id, parse_date, parse_metal, parse_mineral
from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Metal, SmelterId


class StatusBucket(StrEnum):
    """Where a facility stands in RMI's assurance programme."""

    CONFORMANT = "conformant"
    ACTIVE = "active"
    NOT_CONFORMANT = "not_conformant"
    NOT_LISTED = "not_listed"


class StatusListError(ConflictMineralsError):
    """A status list we cannot use; the message says what to do."""


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One facility's line in a status list."""

    smelter_id: SmelterId
    metal: Metal | None
    name: str | None
    country: str | None
    bucket: StatusBucket
    label: str
    last_audit: str | None = None
    audit_cycle: str | None = None
    mineral: str | None = None  # a mineral other than 3TG ("Cobalt", "Mica"); then metal is None


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    """A status list as of a date, with where it came from."""

    as_of: dt.date
    source: str
    sha256: str
    list_kind: str | None  # "conformant", "active" or None when the list states each status
    entries: tuple[StatusEntry, ...]
    dated_by: str = "given"  # where the date came from: "given", "the file", "the file name" or "today"


_COLUMNS: dict[str, tuple[str, ...]] = {
    "smelter_id": (
        *("smelter id", "facility id", "cid", "smelter identification", "rmi id", "smelter reference id"),
        *("refiner id", "processor id"),
    ),
    "metal": ("metal", "mineral", "metal mineral", "commodity"),
    "name": (
        *("standard smelter name", "smelter name", "facility name", "standard facility name", "name"),
        *("refiner name", "standard refiner name", "processor name", "standard processor name"),
    ),
    "country": ("country", "country location", "smelter facility location country", "location country"),
    "status": ("status", "assessment status", "rmap status", "conformance status", "audit status"),
    "last_audit": ("last audit date", "last assessment date", "audit date", "assessment date", "last audit"),
    "audit_cycle": ("audit cycle", "assessment cycle", "reassessment frequency", "re assessment frequency", "cycle"),
}
_NOT_CONFORMANT = (
    "non conformant",
    "nonconformant",
    "not conformant",
    "non compliant",
    "suspend",
    "outreach",
    "not enrolled",
    "inactive",
    "terminat",
    "removed",
    "declined",
    "unresponsive",
    "non responsive",
)
_ACTIVE = ("active", "in progress", "corrective action", "re audit", "pending")
# A conformant word under one of these is not conformance: "Not Compliant", "No longer conformant",
# "Conformance withdrawn", "Not certified". Unless the label also says the facility is active.
_NEGATIONS = frozenset({"not", "non", "no", "never", "without"})
_NEGATING = ("withdrawn", "revoked", "lapsed", "expired", "fail", "delist", "rescind", "cancel", "lost", "former")
_CONFORMANT = ("conformant", "compliant", "cross recogni", "lbma", "rjc", "certified", "conform")
_AS_OF = re.compile(r"(?:as of|as at|downloaded(?: on)?|updated|date)[:\s]*(.+)$", re.IGNORECASE)
_NAME_DATE = re.compile(r"(?<!\d)(20\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def bucket_for(label: str | None) -> StatusBucket:
    """Map a raw status label to its bucket; unknown or empty labels are 'not listed'."""
    words = _words(label or "")
    if not words or "not listed" in words:
        return StatusBucket.NOT_LISTED
    if _NEGATIONS & set(words.split()) or any(marker in words for marker in _NEGATING):
        active = any(marker in words for marker in _ACTIVE)
        return StatusBucket.ACTIVE if active else StatusBucket.NOT_CONFORMANT
    for markers, bucket in (
        (_NOT_CONFORMANT, StatusBucket.NOT_CONFORMANT),
        (_ACTIVE, StatusBucket.ACTIVE),
        (_CONFORMANT, StatusBucket.CONFORMANT),
    ):
        if any(marker in words for marker in markers):
            return bucket
    return StatusBucket.NOT_LISTED


def read_status_list(
    path: str | Path, list_kind: str | None = None, as_of: dt.date | None = None, mineral: str | None = None
) -> StatusSnapshot:
    """Read a status list file; `list_kind` gives the status of lists without a status column.

    `mineral` names the metal or mineral of rows that do not state one (RMI publishes the cobalt
    refiners' and the mica processors' lists one mineral per file, often without such a column).
    """
    _, rows = read_table(path)
    header_at, columns = _find_header(rows)
    if "status" not in columns and list_kind is None:
        raise StatusListError(
            f"{path}: the list has no status column; say which list it is (conformant or active).", "status.no_kind"
        )
    entries = tuple(_entries(rows[header_at + 1 :], columns, list_kind, mineral))
    if not entries:
        raise StatusListError(f"{path}: no facility with a Smelter ID was found under the header row.")
    date, dated_by = _list_date(as_of, rows[:header_at], Path(path).name)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return StatusSnapshot(date, Path(path).name, digest, list_kind, entries, dated_by)


def _list_date(given: dt.date | None, preamble: Sequence[Sequence[object]], name: str) -> tuple[dt.date, str]:
    """The list's date: the one given, else the one it states ("Downloaded:", "As of"), else its file name's."""
    if given is not None:
        return given, "given"
    if (stated := _stated_date(preamble)) is not None:
        return stated, "the file"
    if found := _NAME_DATE.search(name):
        try:
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3))), "the file name"
        except ValueError:
            pass  # 2026-02-31 in a name is no date
    return dt.date.today(), "today"


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]]:
    for number, row in enumerate(rows[:40]):
        columns = _map_columns(row)
        if "smelter_id" in columns:
            return number, columns
    raise StatusListError(
        "no header row with a Smelter ID (or Facility ID) column was found in the first 40 rows; "
        "is this an RMI facility list?"
    )


def _map_columns(row: Sequence[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        words = _words(str(cell or ""))
        for field, names in _COLUMNS.items():
            if field not in columns and words in names:
                columns[field] = index
    return columns


def _entries(
    rows: Sequence[Sequence[object]], columns: dict[str, int], list_kind: str | None, mineral: str | None
) -> list[StatusEntry]:
    default_metal, default_mineral = parse_metal(mineral), parse_mineral(mineral)

    def get(row: Sequence[object], field: str) -> object:
        index = columns.get(field)
        return row[index] if index is not None and index < len(row) else ""

    entries = []
    for row in rows:
        smelter_id = normalize_smelter_id(get(row, "smelter_id"))
        if smelter_id is None:
            continue
        label = clean_text(get(row, "status")) or (list_kind or "").capitalize()
        metal = parse_metal(get(row, "metal"))
        named = None if metal else parse_mineral(get(row, "metal"), known_only=True)
        if metal is None and named is None:
            metal, named = default_metal, default_mineral
        entries.append(
            StatusEntry(
                smelter_id=smelter_id,
                metal=metal,
                name=clean_text(get(row, "name")),
                country=clean_text(get(row, "country")),
                bucket=bucket_for(label),
                label=label,
                last_audit=_date_text(get(row, "last_audit")),
                audit_cycle=clean_text(get(row, "audit_cycle")),
                mineral=named,
            )
        )
    return entries


def three_tg_lists(snapshots: Iterable[StatusSnapshot]) -> list[StatusSnapshot]:
    """The 3TG part of status lists: rows of other minerals left out, lists with nothing else dropped."""
    kept = []
    for snapshot in snapshots:
        entries = tuple(e for e in snapshot.entries if e.mineral is None)
        if len(entries) == len(snapshot.entries):
            kept.append(snapshot)
        elif entries:
            kept.append(replace(snapshot, entries=entries))
    return kept


def mineral_lists(snapshots: Iterable[StatusSnapshot]) -> list[StatusSnapshot]:
    """The part of status lists about other minerals (cobalt refiners, mica processors, ...)."""
    kept = []
    for snapshot in snapshots:
        entries = tuple(e for e in snapshot.entries if e.mineral is not None)
        if entries:
            kept.append(replace(snapshot, entries=entries))
    return kept


def _date_text(value: object) -> str | None:
    parsed, _ = parse_date(value)
    return parsed.isoformat() if parsed else clean_text(value)


def _stated_date(rows: Sequence[Sequence[object]]) -> dt.date | None:
    for row in rows:
        # a CSV without quotes splits "Downloaded: January 15, 2026" at its comma: try the row joined too
        joined = ", ".join(t for cell in row if (t := clean_text(cell)))
        for cell in (*row, joined):
            text = clean_text(cell)
            match = _AS_OF.search(text) if text else None
            if match:
                parsed, _ = parse_date(match.group(1).strip().rstrip("."))
                if parsed:
                    return parsed
    return None
