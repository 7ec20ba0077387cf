"""The Smelter Look-up sheet a template carries, as entries and an index to resolve rows."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from conflict_minerals.cmrt.grid import Grid
from conflict_minerals.cmrt.layout import LOOKUP_HEADER_ROW
from conflict_minerals.cmrt.values import clean_text, fold, normalize_smelter_id, parse_metal, parse_mineral
from conflict_minerals.model import LookupEntry, Metal, MineralLookupEntry, SmelterId

_CACHE: dict[tuple[object, ...], tuple[tuple[LookupEntry, ...], LookupIndex]] = {}  # bounded below
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 32


Parsed = tuple[tuple[LookupEntry, ...], "LookupIndex"]


def read_lookup(grid: Grid | None) -> Parsed:
    """Return every real facility row of a Smelter Look-up sheet (special rows skipped) and its index."""
    if grid is None:
        return (), LookupIndex()
    return read_lookup_keyed(_fingerprint(grid), lambda: grid)


def read_lookup_keyed(key: tuple[object, ...], load: Callable[[], Grid | None]) -> Parsed:
    """Like read_lookup, but the sheet is loaded only when `key` (e.g. the part's CRC) is new.

    Files of one revision carry the same protected look-up, so a batch parses it once.
    """
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    grid = load()
    entries = _parse(grid) if grid is not None else ()
    result = (entries, LookupIndex.build(entries))
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = result
    return result


def _fingerprint(grid: Grid) -> tuple[object, ...]:
    """The whole sheet's content: a sample could be matched by a forged look-up that differs elsewhere."""
    return ("grid", hashlib.sha256(repr(grid.rows).encode()).hexdigest())


def _parse(grid: Grid) -> tuple[LookupEntry, ...]:
    entries: list[LookupEntry] = []
    for number in range(LOOKUP_HEADER_ROW + 1, grid.last_row + 1):
        entry = _entry(grid.row(number))
        if entry is not None:
            entries.append(entry)
    return tuple(entries)


def _entry(values: object) -> LookupEntry | None:
    cells = list(values)  # type: ignore[call-overload]
    cells += [""] * (9 - len(cells))
    metal = parse_metal(cells[0])
    alias = clean_text(cells[1], zero_is_empty=False)
    smelter_id = normalize_smelter_id(cells[4])
    if metal is None or alias is None or smelter_id is None:
        return None
    return LookupEntry(
        metal=metal,
        lookup_name=alias,
        standard_name=clean_text(cells[2], zero_is_empty=False) or alias,
        country=clean_text(cells[3]) or "",
        smelter_id=smelter_id,
        id_source=clean_text(cells[5]),
        city=clean_text(cells[7]),
        state_province=clean_text(cells[8]),
    )


def read_mineral_lookup(grid: Grid | None) -> tuple[MineralLookupEntry, ...]:
    """Return the facility rows of a look-up sheet whose mineral is not 3TG (EMRT, CRT, AMRT); specials skipped."""
    if grid is None:
        return ()
    entries = []
    for number in range(LOOKUP_HEADER_ROW + 1, grid.last_row + 1):
        cells = list(grid.row(number))
        cells += [""] * (9 - len(cells))
        mineral = parse_mineral(cells[0])
        alias = clean_text(cells[1], zero_is_empty=False)
        smelter_id = normalize_smelter_id(cells[4])
        if mineral is None or alias is None or smelter_id is None:
            continue  # AMRT's formula rows for "Other" minerals cache 0; special rows have no ID
        entries.append(
            MineralLookupEntry(
                mineral=mineral,
                lookup_name=alias,
                standard_name=clean_text(cells[2], zero_is_empty=False) or alias,
                country=clean_text(cells[3]) or "",
                smelter_id=smelter_id,
                id_source=clean_text(cells[5]),
                city=clean_text(cells[7]),
                state_province=clean_text(cells[8]),
            )
        )
    return tuple(entries)


@dataclass(frozen=True, slots=True)
class LookupIndex:
    """Look-up entries indexed by Smelter ID and by (metal, folded alias)."""

    by_id: dict[SmelterId, LookupEntry] = field(default_factory=dict)
    by_alias: dict[tuple[Metal, str], LookupEntry] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: tuple[LookupEntry, ...]) -> LookupIndex:
        """Index entries; the row whose alias is the standard name represents its ID."""
        by_id: dict[SmelterId, LookupEntry] = {}
        by_alias: dict[tuple[Metal, str], LookupEntry] = {}
        for entry in entries:
            current = by_id.get(entry.smelter_id)
            if current is None or fold(entry.lookup_name) == fold(entry.standard_name):
                by_id[entry.smelter_id] = entry
            by_alias.setdefault((entry.metal, fold(entry.lookup_name)), entry)
        return cls(by_id, by_alias)

    def find_alias(self, metal: Metal | None, name: str | None) -> LookupEntry | None:
        """Return the entry a (metal, look-up name) pair selects, ignoring case and spacing."""
        if metal is None or name is None:
            return None
        return self.by_alias.get((metal, fold(name)))
