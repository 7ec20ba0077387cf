"""Turn raw cell values into clean text, answers, dates and Smelter IDs."""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from collections.abc import Iterable

from conflict_minerals.model import Metal

# Formula results that mean "nothing here" (pitfall P3 in cmrt-format.md).
_EMPTY_MARKERS = frozenset({"#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#NULL!", "#NUM!"})
_SPACES = re.compile(r"\s+")
# Control characters (C0 but tab, line feed, carriage return; DEL; C1) never reach a stored value:
# they break XML workbooks, terminals and PostgreSQL text (NUL).
# Bidirectional overrides and isolates (U+202A-202E, U+2066-2069) go too: they make a name read other than it is.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 32_767  # the longest text an Excel cell holds
_CID = re.compile(r"^\s*CID\s*0*(\d{1,6})\s*$", re.IGNORECASE)
_BARE_CID = re.compile(r"^\s*0*(\d{1,6})\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def fold(text: str) -> str:
    """Return the comparison key of a label: NFKC, trimmed, single-spaced, casefolded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).replace("\u3164", " ")).strip().casefold()


_seen = threading.local()  # per reading thread: did clean_text remove a control character?


def reset_control_seen() -> None:
    """Start reading a file: no control character removed yet (in this thread)."""
    _seen.control = False


def control_seen() -> bool:
    """Tell whether clean_text removed a control character since the last reset (in this thread)."""
    return bool(getattr(_seen, "control", False))


def clean_text(value: object, zero_is_empty: bool = True) -> str | None:
    """Return a cell value as trimmed text, or None when it is empty or a formula error."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        if zero_is_empty and value == 0:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        if zero_is_empty and value == 0:
            return None
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if not text.isprintable():  # the fast, common case skips the search
        cleaned = CONTROL.sub("", text)
        if cleaned != text:
            _seen.control = True
        text = cleaned
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()[:MAX_TEXT]
    if not text or text in _EMPTY_MARKERS or (zero_is_empty and text == "0"):
        return None
    return text


def parse_metal(value: object) -> Metal | None:
    """Return the metal a cell names ("GOLD", " gold "), or None."""
    text = clean_text(value)
    if text is None:
        return None
    return _METALS.get(fold(text))


_METALS = {fold(metal.value): metal for metal in Metal}

# Minerals the extended templates (EMRT, CRT, AMRT 1.3 and 1.31) name, spelled as they spell them.
KNOWN_MINERALS = (
    *("Aluminum", "Cadmium", "Chromium", "Cobalt", "Copper", "Graphite", "Iridium", "Lead", "Lime"),
    *("Lithium", "Manganese", "Mica", "Molybdenum", "Nickel", "Palladium", "Platinum", "Rare Earth Elements"),
    *("Rhenium", "Rhodium", "Ruthenium", "Selenium", "Silver", "Soda Ash", "Tellurium", "Zinc"),
)
_MINERALS = {fold(name): name for name in KNOWN_MINERALS} | {
    "aluminium": "Aluminum",
    "rare earths": "Rare Earth Elements",
}
_MINERAL_TEXT = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+)*$")
MAX_MINERAL = 20  # the width of the stored metal column


def parse_mineral(value: object, known_only: bool = False) -> str | None:
    """Return the non-3TG mineral a cell names ('COBALT' -> 'Cobalt'), or None.

    A name the templates do not list yet is kept as written when it is plain words of at most
    20 letters (AMRT's "Other" minerals); with `known_only` only listed names count.
    """
    text = clean_text(value)
    if text is None or text.startswith("="):
        return None
    key = fold(text)
    if key in _METALS:
        return None
    if key in _MINERALS:
        return _MINERALS[key]
    if known_only or len(text) > MAX_MINERAL or not _MINERAL_TEXT.match(text):
        return None
    return text


def mineral_key(name: str) -> str:
    """The comparison key of a mineral name: one key for 'Aluminium' and 'ALUMINUM'."""
    key = fold(name)
    return fold(_MINERALS.get(key, name))


def normalize_smelter_id(value: object) -> str | None:
    """Return a Smelter ID as CID + six digits, accepting 'cid 2763', 2763.0 or '002763'."""
    text = clean_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).replace("\u1160", "").replace("\u3164", "")
    match = _CID.match(text) or _BARE_CID.match(text)
    return f"CID{int(match.group(1)):06d}" if match else None


def looks_like_smelter_id(value: object) -> bool:
    """Tell whether a value is meant as a Smelter ID, even a malformed one."""
    text = clean_text(value)
    return text is not None and fold(text).startswith("cid")


def match_option(
    value: object, options: Iterable[str], aliases: dict[str, str] | None = None
) -> tuple[str | None, bool]:
    """Map a raw answer to one of the template's English options: (value, recognized)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1 and "100%" in options:
        return "100%", True  # CMRT <= 6.22 stores the 100% option as the number 1
    text = clean_text(value, zero_is_empty=False)
    if text is None:
        return None, True
    key = fold(text)
    for option in options:
        if fold(option) == key:
            return option, True
    if aliases and key in aliases:
        return aliases[key], True
    return text, False


def parse_date(value: object) -> tuple[dt.date | None, bool]:
    """Parse a date cell leniently: (date, ambiguous day/month order)."""
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value)), False
    text = clean_text(value)
    if text is None:
        return None, False
    return _parse_date_text(text)


def _from_serial(serial: float) -> dt.date | None:
    if not 1 <= serial < 2_958_466:  # Excel's valid range, 1900-01-01 .. 9999-12-31
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


_DATE_FORMATS = (
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")


def _parse_date_text(text: str) -> tuple[dt.date | None, bool]:
    text = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_serial(float(text)), False
    slashed = _SLASHED.match(text)
    if slashed:
        return _parse_slashed(*(int(part) for part in slashed.groups()))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), False
        except ValueError:
            continue
    return None, False


def _parse_slashed(first: int, second: int, year: int) -> tuple[dt.date | None, bool]:
    """Read 1/31/2025 or 31/1/2025; when both orders work, assume US month/day and say so."""
    try:
        if first > 12:
            return dt.date(year, second, first), False
        if second > 12:
            return dt.date(year, first, second), False
        return dt.date(year, first, second), first != second
    except ValueError:
        return None, False
