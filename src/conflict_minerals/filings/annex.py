"""Read one line of a smelter/refiner annex: split it into cells and say what each cell is.

The vocabulary lives here: metals (with OCR damage), status words, countries, Smelter IDs and the
words of column headers. `read_cells` turns the cells of a line into a `Row`, by the column order
of the table's header when the line fits it, else by what the cells look like; cells run
together with single spaces (OCR, merged columns) are split by recognising the trailing country
and status words. Deciding which lines form the table is `parse.py`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from conflict_minerals.model import Metal
from conflict_minerals.reference.countries import resolve_country

METAL, NAME, COUNTRY, STATUS, SMELTER_ID = "metal", "name", "country", "status", "smelter_id"
INDEX, OTHER = "index", "other"  # a row-number column ("#", "No."); a column we do not read

_METALS = {metal.value.lower(): metal.value for metal in Metal}
_SYMBOLS = {"Sn": Metal.TIN.value, "Ta": Metal.TANTALUM.value, "W": Metal.TUNGSTEN.value, "Au": Metal.GOLD.value}
# Characters OCR confuses with letters of the metal words: compare words after folding them alike.
_OCR_FOLD = str.maketrans("1l!|05", "iiiios")
_STATUS = (
    r"(?:(?:rmap|cfsp|cfs|rmi|lbma|rjc)[\s-]+)?(?:non[\s-]?|not[\s-]+)?(?:conformant|compliant)"
    r"(?:\s*\((?:rmap|cfsp|lbma|rjc)\))?"
    r"|(?:rmap[\s-]+)?active|(?:(?:re-?)?audit[\s-]+)?in[\s-]+(?:progress|process)"
    r"|not[\s-]+(?:listed|known|participating|enrolled|applicable|eligible)|unknown|undeterminable"
    r"|n/a|yes|no|y|n|(?:not[\s-]+)?conflict[\s-]+free"
    r"|audit[\s-]+expired(?:[\s-]+in(?:[\s-]+(?:early|mid|late))?[\s-]+\d{4})?"
    r"|lbma(?:\s*/\s*rjc)?(?:[\s-]+good[\s-]+delivery)?|rjc|participating|eligible|validated|suspended"
    r"|outreach(?:[\s-]+required)?|under[\s-]+review|due[\s-]+diligence[\s-]+vetting[\s-]+process"
)
_STATUS_CELL = re.compile(rf"(?:{_STATUS})[\s*†‡]*", re.IGNORECASE)
# A status at the end of run-together text; the leftmost start wins, so "Not Conformant" beats "Conformant".
_STATUS_TAIL = re.compile(rf"(?:^|(?<=\s))(?:{_STATUS})[\s*†‡]*$", re.IGNORECASE)
_WORDLIKE = re.compile(r"[^\W\d_].*[^\W\d_]")  # a name has two letters at least ("T.C.A S.p.A")
_CID = re.compile(r"\(?\bC[I1l]D[\s#:–-]*0*(\d{1,6})\b\)?", re.IGNORECASE)
# Everyday country forms pycountry does not know; two- and three-letter codes are refused otherwise
# because company suffixes look like them (AG, SA, SE, PT, CV).
_MORE_COUNTRIES = frozenset({"usa", "us", "uk", "uae", "prc", "prchina", "macau", "brasil", "mainlandchina"})
_NOT_A_START = frozenset({"of", "and", "&", "in", "at", "for", "the", "de"})
_HEADER_WORDS = {
    **dict.fromkeys(["metal", "metals", "mineral", "minerals", "3tg"], METAL),
    **dict.fromkeys(["smelter", "smelters", "refiner", "refiners", "refinery", "refineries"], NAME),
    **dict.fromkeys(["facility", "facilities", "name", "names", "processor"], NAME),
    **dict.fromkeys(["country", "countries", "location", "locations", "origin"], COUNTRY),
    **dict.fromkeys(["status", "conformant", "conformance", "compliance", "compliant", "designation"], STATUS),
    **dict.fromkeys(["conflict", "free", "rmap", "cfsp", "cfsi", "rmi", "audit", "audited", "assessment"], STATUS),
    **dict.fromkeys(["id", "cid", "identification", "reference"], SMELTER_ID),
    **dict.fromkeys(["number", "no", "#", "item"], INDEX),
}
_HEADER_NEUTRAL = frozenset({"or", "and", "the", "of", "type", "standard", "as", "reported", "s", "y", "n", "yes"})
# What a metal heading line may say besides the metal: "Gold Refiners", "Tin smelters (continued)".
_GROUP_WORDS = frozenset(
    ("smelter", "smelters", "refiner", "refiners", "refinery", "refineries", "facilities", "list", "and", "continued")
)
_STRAY = str.maketrans({char: " " for char in "¦•▪■□●◦"})
_PAGE_MARK = re.compile(
    r"(?:page\s+)?[-–—]?\s*(?:[a-z]{1,2}\s*-\s*)?\d{1,3}\s*[-–—]?(?:\s+of\s+\d{1,3})?|[ivxl]{1,6}|\d{1,3}\s*/\s*\d{1,3}",
    re.IGNORECASE,
)
_ANNEX_HEADING = re.compile(
    r"^(?:annex|appendix|schedule|attachment|exhibit)\s+[a-z0-9ivx.]{1,5}\b|smelters?\s+(?:and|or|&|/)\s+refiner"
    r"|(?:smelter|refiner)s?\s+list|list\s+of\s+(?:\w+\s+)?(?:smelters|refiners|facilities)|\(continued\)",
    re.IGNORECASE,
)
_PROSE_WORDS = frozenset(
    (
        *("we", "our", "us", "is", "are", "were", "was", "have", "has", "been", "that", "which", "this", "these"),
        *("those", "may", "will", "would", "should", "could"),
    )
)


@dataclass(frozen=True, slots=True)
class Fields:
    """The cells of one line: `separated` when tabs, pipes or space runs divided it."""

    cells: tuple[str, ...]
    separated: bool


@dataclass(frozen=True, slots=True)
class Header:
    """The column roles of a table header, by position (`raw`) and among its non-empty cells."""

    raw: tuple[str, ...]
    compact: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """What one line says; `metal` is None when the line does not print it (carried over)."""

    metal: str | None
    name: str
    country: str = ""
    status: str = ""
    smelter_id: str | None = None
    repairs: tuple[str, ...] = ()

    @property
    def fragment(self) -> bool:
        """Tell whether the line is only a piece of text (maybe the rest of a wrapped name)."""
        return not (self.metal or self.country or self.status or self.smelter_id)


def split_fields(line: str) -> Fields:
    """Split a line at tabs, else at pipes, else at runs of two or more spaces."""
    text = re.sub(r"(?<=\w)\|(?=\w)", "", line.translate(_STRAY))  # a pipe inside a word is OCR noise
    if "\t" in text:  # tab-separated: a pipe is part of a cell's text
        parts = text.split("\t")
    elif "|" in text:  # a Markdown or pipe-drawn table
        parts = text.split("|")
        if text.strip().startswith("|"):
            parts = parts[1:]
        if text.strip().endswith("|"):
            parts = parts[:-1]
    else:
        parts = re.split(r" {2,}", text.strip())
    cells = tuple(part.strip(" _~^`") for part in parts)
    return Fields(cells, sum(1 for cell in cells if cell) > 1)


def metal_of(text: str) -> tuple[str, bool] | None:
    """Return (canonical metal, repaired) for "Gold", "GOLD", "Au", "Tung sten", "Tln", "Tantalun"; else None."""
    bare = re.sub(r"\([^)]*\)|[*†‡:.]", " ", text).strip()
    if bare in _SYMBOLS:
        return _SYMBOLS[bare], False
    letters = re.sub(r"[\W_]", "", bare).lower()
    if letters in _METALS:
        return _METALS[letters], " " in bare  # "G old": a word broken by OCR
    folded = letters.translate(_OCR_FOLD)
    for word, metal in _METALS.items():
        if folded == word.translate(_OCR_FOLD):
            return metal, True
        if len(word) >= 6 and Levenshtein.distance(letters, word) <= 1:  # one wrong letter in a long word
            return metal, True
    return None


def metal_heading(text: str) -> str | None:
    """Return the metal when a line only names one ("Gold", "Tung sten", "Tin smelters (continued)")."""
    words = [word for word in re.findall(r"[\w&]+", text) if word.lower() not in _GROUP_WORDS]
    found = metal_of(" ".join(words)) if 0 < len(words) <= 3 else None
    return found[0] if found else None


def is_status(text: str) -> bool:
    """Tell whether a cell holds a status word ("Conformant", "In Progress", "Audit expired in 2016", "Yes")."""
    return bool(_STATUS_CELL.fullmatch(text.strip()))


def is_country(text: str) -> bool:
    """Tell whether text names a country as annexes print it ("JAPAN", "Korea, Republic of", "USA", "Viet Nam")."""
    candidate = text.strip(" ,;.*")
    words = candidate.split()
    if not words or words[0].lower() in _NOT_A_START:
        return False
    key = re.sub(r"[^a-z]", "", candidate.lower())
    if key in _MORE_COUNTRIES:
        return True
    return len(key) > 3 and resolve_country(candidate) is not None


def is_location(text: str) -> bool:
    """Tell whether a cell is a country, or a place ending with one ("Jiangxi, China")."""
    return is_country(text) or ("," in text and len(text.split()) <= 6 and is_country(text.rsplit(",", 1)[1]))


def smelter_id_of(text: str) -> str | None:
    """Return "CID000123" for "CID000123", "CID 123" or "CID-123" found in text, else None."""
    found = _CID.search(text)
    return f"CID{int(found.group(1)):06d}" if found else None


def is_page_mark(text: str) -> bool:
    """Tell whether a line is only a page number ("12", "- 12 -", "Page 3 of 9", "A-2", "ii")."""
    return bool(_PAGE_MARK.fullmatch(text.strip()))


def is_annex_heading(text: str) -> bool:
    """Tell whether a short line heads an annex ("Annex I", "Appendix A", "Smelter List", "Smelters and Refiners")."""
    return len(text.split()) <= 10 and bool(_ANNEX_HEADING.search(text.strip()))


def is_prose(text: str) -> bool:
    """Tell whether a line is running text (a sentence), which no table row is."""
    words = re.findall(r"[A-Za-z']+", text)
    if len(words) >= 30:
        return True
    return len(words) >= 8 and len({word.lower() for word in words} & _PROSE_WORDS) >= 2


def looks_like_data(text: str) -> bool:
    """Tell whether a line that is not a row still carries annex data (a metal, country, status or ID)."""
    fields = split_fields(text)
    if smelter_id_of(text) or any(metal_of(cell) or is_status(cell) for cell in fields.cells if cell):
        return True
    words = text.split()
    return bool(words) and (metal_of(words[0]) is not None or _peel_country(" ".join(words)) is not None)


@lru_cache(maxsize=4096)  # table cells repeat ("Gold", "JAPAN", "Conformant"); every line is tried as a header
def header_runs(text: str) -> tuple[str, ...] | None:
    """Return the column roles a text of header words names ("Smelter ID" -> [smelter_id]), else None."""
    lowered = text.lower().replace("conflict mineral", "mineral")
    lowered = re.sub(r"\bas\s+(?:of|at)\b.*", "", lowered)  # "Status as of May 11, 2016"
    # "Conformant (Y/N)", "Smelter ID (CID)": what the parentheses say does not change the column.
    tokens = re.findall(r"[a-z0-9#]+", re.sub(r"\([^)]*\)", " ", lowered)) or re.findall(r"[a-z0-9#]+", lowered)
    runs: list[tuple[str, bool]] = []  # (role, closed): a name column closes at the word "Name"
    for token in tokens:
        if token in _HEADER_NEUTRAL:
            continue
        role = _HEADER_WORDS.get(token)
        if role is None:
            return None
        last_role, closed = runs[-1] if runs else ("", True)
        if role == INDEX and last_role in (SMELTER_ID, NAME) and not closed:
            role = SMELTER_ID  # "Smelter Identification Number", "Smelter No.": the ID, not a row number
        if role == last_role and not closed:
            pass
        elif last_role == NAME and not closed and role in (SMELTER_ID, COUNTRY, STATUS):
            runs[-1] = (role, False)  # "Smelter ID", "Smelter Country": the qualifier belongs to the next column
        else:
            runs.append((role, False))
        if token in ("name", "names"):
            runs[-1] = (runs[-1][0], True)  # "Smelter Name Smelter ID": two columns
    return tuple(role for role, _ in runs) or None


def header_of(fields: Fields) -> Header | None:
    """Return the header a line spells (a name column and another known column), else None."""
    filled = [cell for cell in fields.cells if cell]
    if len(filled) == 1:
        roles = header_runs(filled[0]) or ()
        header = Header(roles, roles)
    else:
        raw = tuple(_cell_role(cell) for cell in fields.cells)
        header = Header(raw, tuple(role for role, cell in zip(raw, fields.cells, strict=True) if cell))
    known = [role for role in header.compact if role != OTHER]
    unknown = len(header.compact) - len(known)
    if NAME not in known or len(set(known)) < 2 or len(set(known)) < len(known) or unknown > len(known) // 2:
        return None
    return header


def _cell_role(cell: str) -> str:
    runs = header_runs(cell) if cell else None
    return runs[0] if runs and len(runs) == 1 else OTHER


def read_cells(fields: Fields, header: Header | None) -> Row | None:
    """Read the cells of a line as a row: by the header's column order when they fit it, else by content."""
    filled = tuple(cell for cell in fields.cells if cell)
    if not filled or not any(re.search(r"[^\W\d_]", cell) for cell in filled):
        return None
    row = None
    if header:
        without_metal = tuple(role for role in header.compact if role != METAL)
        for values, roles in ((fields.cells, header.raw), (filled, header.compact), (filled, without_metal)):
            if len(values) == len(roles) and (row := _by_position(values, roles)):
                break
    row = row or _by_content(filled)
    if row is None or not _WORDLIKE.search(row.name):
        return None
    merged = not fields.separated or len(filled) <= 2
    row = _unmerge(row, merged, header) if merged and not (row.country and row.status) else row
    return _tidy_status(row)


def _tidy_status(row: Row) -> Row:
    """Drop stray single letters OCR left after a status word ("Conformant l")."""
    trimmed = re.sub(r"(?:\s+[^\W\d])+$", "", row.status)
    if trimmed == row.status or is_status(row.status) or not is_status(trimmed):
        return row
    return replace(row, status=trimmed, repairs=(*row.repairs, "stray letters dropped at the end of the line"))


def _by_position(values: tuple[str, ...], roles: tuple[str, ...]) -> Row | None:
    found: dict[str, str] = {}
    for value, role in zip(values, roles, strict=True):
        if value and role != OTHER:
            found.setdefault(role, value)
    name = found.get(NAME, "")
    if not name or metal_of(name) or is_status(name):
        return None
    metal, repairs = None, []
    if METAL in found:
        if (read := metal_of(found[METAL])) is None:
            return None
        metal = read[0]
        repairs += [f"metal read from “{found[METAL]}”"] if read[1] else []
    elif METAL not in roles and any(metal_of(value) for value in values if value):
        return None  # the line prints a metal where the header has none: not this layout
    smelter_id = _id_cell(found.get(SMELTER_ID, ""))
    return Row(metal, name, found.get(COUNTRY, ""), found.get(STATUS, ""), smelter_id, tuple(repairs))


def _id_cell(cell: str) -> str | None:
    """The Smelter ID in an ID column's cell: normalised when it is one, as printed otherwise, None when empty."""
    if not cell or cell.casefold() in ("n/a", "na", "-", "none", "unknown", "not available"):
        return None
    return smelter_id_of(cell) or (f"CID{int(cell):06d}" if cell.isdigit() and len(cell) <= 6 else cell)


def _by_content(filled: tuple[str, ...]) -> Row | None:
    metal, smelter_id, repairs, rest = None, None, [], []
    for value in filled:
        if metal is None and (read := metal_of(value)):
            metal = read[0]
            repairs += [f"metal read from “{value}”"] if read[1] else []
        elif smelter_id is None and _CID.fullmatch(value.strip()):
            smelter_id = smelter_id_of(value)
        else:
            rest.append(value)
    if not rest:
        return None
    status = rest.pop() if len(rest) >= 2 and is_status(rest[-1]) else ""
    where = next((k for k in range(len(rest) - 1, 0, -1) if is_location(rest[k])), None)
    country = rest[where] if where is not None else ""
    if where is None and len(rest) >= 2 and status:
        where, country = 1, rest[1]  # name, something, status: the something stands where countries do
        repairs.append(f"country “{country}” not recognised")
    after = rest[where + 1 :] if where is not None else []
    if after and not status:
        status, after = after[0], after[1:]  # a status word the vocabulary does not know
        repairs.append(f"status “{status}” not recognised")
    ignored = rest[1:where] + after if where is not None else rest[1:]
    repairs += ["text ignored: " + " / ".join(ignored)] if ignored else []
    return Row(metal, rest[0], country, status, smelter_id, tuple(repairs))


def _unmerge(row: Row, single: bool, header: Header | None) -> Row:
    """Split a name that swallowed its neighbours: leading metal, Smelter ID, trailing status and country."""
    name, metal, status, country = row.name, row.metal, row.status, row.country
    smelter_id, repairs = row.smelter_id, list(row.repairs)
    if smelter_id is None and (smelter_id := smelter_id_of(name)):
        name = " ".join(_CID.sub(" ", name).split())
    if metal is None and single and (peeled := _peel_metal(name)):
        metal, name, fixed = peeled
        repairs += ["metal word repaired"] if fixed else []
    columns = header.compact if header else (COUNTRY, STATUS)
    if not status and STATUS in columns:
        tail = _STATUS_TAIL.search(name)
        trimmed = re.sub(r"(?:\s+[^\W\d])+$", "", name)  # OCR leaves stray single letters at line ends
        if tail is None and trimmed != name and (tail := _STATUS_TAIL.search(trimmed)):
            name = trimmed
            repairs.append("stray letters dropped at the end of the line")
        if tail and tail.start() > 0 and len(tail.group().strip(" *†‡")) > 1:
            status, name = tail.group().strip(), name[: tail.start()].rstrip(" ,;")
    # Without a header, a name beside a status cell may end with a place ("Heraeus Ltd. Hong Kong"): keep it whole.
    peel_country = COUNTRY in columns and (header is not None or not row.status)
    if not country and peel_country and (found := _peel_country(name)):
        name, country = found
    if (status, country) != (row.status, row.country):
        repairs.append("columns run together; split by recognising the country and status words")
    return Row(metal, name, country, status, smelter_id, tuple(repairs))


def _peel_metal(text: str) -> tuple[str, str, bool] | None:
    """Split a leading metal off text, also when OCR broke it ("G old Asahi ...") or misread it ("Tln ...")."""
    words = text.split()
    for size in (3, 2, 1):
        if len(words) > size and (read := metal_of(" ".join(words[:size]))):
            if size > 1 and metal_of(words[0]):
                continue  # "Gold Gold Refinery": only the first word is the metal
            return read[0], " ".join(words[size:]), read[1]
    return None


def _peel_country(text: str) -> tuple[str, str] | None:
    """Split a trailing country off text ("Asahi Pretec Corporation Japan" -> name, "Japan"), longest first."""
    words = text.split()
    for size in range(min(6, len(words) - 1), 0, -1):
        candidate = " ".join(words[-size:])
        if is_country(candidate):
            return " ".join(words[:-size]).rstrip(" ,;–-"), candidate
    return None
