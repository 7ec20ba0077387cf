"""The bundled smelter reference snapshot: facts from RMI's public CMRT Smelter Look-up."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conflict_minerals.model import LookupEntry, Metal, MineralLookupEntry

SNAPSHOT_DIR = Path(__file__).parent / "data"
REVISIONS_DIR = SNAPSHOT_DIR / "revisions"
_CSV = "smelter-reference.csv"
_MINERALS_CSV = "mineral-reference.csv"  # the look-up rows of other minerals (EMRT, CRT, AMRT)
_META = "smelter-reference.meta.json"
_FIELDS = ("metal", "lookup_name", "standard_name", "country", "smelter_id", "id_source", "city", "state_province")
ATTRIBUTION = (
    "Smelter reference facts (Smelter ID, metal, names, country, city, state) as published by the "
    "Responsible Minerals Initiative in the Smelter Look-up sheet of its Conflict Minerals Reporting "
    "Template. The template itself is not redistributed. See https://www.responsiblemineralsinitiative.org/."
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A reference list and where it came from."""

    revision: str
    list_date: dt.date | None
    entries: tuple[LookupEntry, ...]
    attribution: str = ATTRIBUTION


def write_snapshot(
    entries: Iterable[LookupEntry],
    revision: str,
    list_date: dt.date | None,
    folder: Path,
    minerals: tuple[MineralLookupEntry, ...] = (),
) -> None:
    """Write reference entries and their provenance as CSV plus a small JSON file."""
    folder.mkdir(parents=True, exist_ok=True)
    if minerals:
        with open(folder / _MINERALS_CSV, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("mineral", *_FIELDS[1:]))
            for item in minerals:
                writer.writerow([item.mineral] + [getattr(item, name) or "" for name in _FIELDS[1:]])
    with open(folder / _CSV, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_FIELDS)
        for entry in entries:
            writer.writerow([getattr(entry, name) or "" for name in _FIELDS])
    meta = {"revision": revision, "list_date": list_date.isoformat() if list_date else None, "attribution": ATTRIBUTION}
    (folder / _META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


@cache
def bundled_snapshot() -> Snapshot:
    """Return the snapshot shipped with the package."""
    return read_snapshot(SNAPSHOT_DIR)


@cache
def bundled_revisions() -> tuple[Snapshot, ...]:
    """Return every look-up revision shipped with the package (facts of RMI's public templates), oldest first."""
    found = {bundled_snapshot().revision: bundled_snapshot()}
    for meta in sorted(REVISIONS_DIR.glob(f"*/{_META}")):
        snapshot = read_snapshot(meta.parent)
        found.setdefault(snapshot.revision, snapshot)
    return tuple(sorted(found.values(), key=lambda s: (s.list_date or dt.date.min, s.revision)))


def revision_slug(label: str) -> str:
    """A folder name for a revision label ('CMRT 6.5' -> 'cmrt-6.5')."""
    return "-".join(label.lower().split())


def read_mineral_entries(folder: Path) -> tuple[MineralLookupEntry, ...]:
    """Read the rows of other minerals a snapshot folder holds (none for a CMRT's)."""
    path = folder / _MINERALS_CSV
    if not path.exists():
        return ()
    with open(path, newline="", encoding="utf-8") as handle:
        return tuple(
            MineralLookupEntry(
                mineral=row["mineral"],
                lookup_name=row["lookup_name"],
                standard_name=row["standard_name"],
                country=row["country"],
                smelter_id=row["smelter_id"],
                id_source=row["id_source"] or None,
                city=row["city"] or None,
                state_province=row["state_province"] or None,
            )
            for row in csv.DictReader(handle)
        )


def read_snapshot(folder: Path) -> Snapshot:
    """Read a snapshot written by write_snapshot."""
    meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    with open(folder / _CSV, newline="", encoding="utf-8") as handle:
        entries = tuple(
            LookupEntry(
                metal=Metal(row["metal"]),
                lookup_name=row["lookup_name"],
                standard_name=row["standard_name"],
                country=row["country"],
                smelter_id=row["smelter_id"],
                id_source=row["id_source"] or None,
                city=row["city"] or None,
                state_province=row["state_province"] or None,
            )
            for row in csv.DictReader(handle)
        )
    list_date = dt.date.fromisoformat(meta["list_date"]) if meta.get("list_date") else None
    return Snapshot(meta["revision"], list_date, entries, meta.get("attribution", ATTRIBUTION))
