"""Read a Form SD / Conflict Minerals Report: who filed it, for which year, what it states, and its annex.

The annex reader walks the lines once. A table starts at a header row (one line, or one header
word a line as some exports print it) or at a row that prints its metal; it ends at running
text. Inside it, page numbers, repeated page headers and footers, repeated column headers and
metal headings ("Gold") are skipped; a short name fragment right after a row continues that
row's name; any other line between two rows is reported in `unread_lines`, never dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conflict_minerals.filings.annex import (
    COUNTRY,
    NAME,
    STATUS,
    Fields,
    Header,
    Row,
    header_of,
    header_runs,
    is_annex_heading,
    is_page_mark,
    is_prose,
    is_status,
    looks_like_data,
    metal_heading,
    read_cells,
    split_fields,
)
from conflict_minerals.filings.text import FilingError, clean_line, filing_text

__all__ = ["AnnexLine", "FilingError", "ParsedFiling", "parse_filing", "read_filing"]

# What a piece of a company name is made of (OCR garbage such as "x#@ ~~ ;;" is not), and what it never starts with.
_NAME_PIECE = re.compile(r"(?=.*[^\W\d_]{2})[\w\s.,&()'’“”\"/+-]+")
_NOT_A_NAME = re.compile(r"(?:notes?|total|sources?|footnotes?|legend|key)\b", re.IGNORECASE)
# Company-name endings: a wrapped name's last piece ("Co., Ltd.") may repeat like a page footer does.
_COMPANY_TAIL = re.compile(r"\b(?:ltd|limited|co|corp|corporation|inc|gmbh|llc|s\.?a|ag|jsc|company|group)\b\.?", re.I)


@dataclass(frozen=True, slots=True)
class AnnexLine:
    """One smelter or refiner as the annex prints it; `repairs` says what was guessed (lower confidence)."""

    metal: str
    name: str
    country: str
    status: str
    smelter_id: str | None
    line: int
    repairs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFiling:
    """What a filing says: registrant, reporting year, stated figures, the annex and its unread lines."""

    registrant: str | None
    period: int | None
    figures: dict[str, int]
    annex: tuple[AnnexLine, ...]
    unread_lines: tuple[tuple[int, str], ...]
    legend: tuple[str, ...]
    lines: tuple[str, ...]


def parse_filing(lines: Sequence[str], header: Mapping[str, str] | None = None) -> ParsedFiling:
    """Read the text lines of a filing (and its EDGAR header fields, when known)."""
    lines = tuple(lines)
    registrant = registrant_of(lines, header)
    annex, unread = _AnnexReader(lines, registrant).read()
    used = {row.status.casefold() for row in annex}
    rows = {row.line for row in annex}
    prose = [line for number, line in enumerate(lines, 1) if number not in rows]  # figures are stated in the text
    return ParsedFiling(
        registrant=registrant,
        period=reporting_year(lines, header),
        figures=stated_figures(prose),
        annex=annex,
        unread_lines=unread,
        legend=tuple(word for word in status_legend(lines) if is_status(word) or word.casefold() in used),
        lines=lines,
    )


def read_filing(data: bytes, name: str) -> ParsedFiling:
    """Read a filing's bytes; FilingError when it is unreadable, not a Form SD, or has no annex table."""
    text = filing_text(data, name)
    if not _is_form_sd(text.lines, text.header):
        raise FilingError(
            f"{name} does not look like a Form SD or Conflict Minerals Report", "filing.not-form-sd", name=name
        )
    if len(text.lines) > MAX_LINES:
        raise FilingError(f"{name} has more than {MAX_LINES:,} lines; is it a filing?", "filing.too-large", name=name)
    parsed = parse_filing(text.lines, text.header)
    if not parsed.annex:
        raise FilingError(f"{name} has no smelter or refiner table", "filing.no-annex", name=name)
    if len(parsed.annex) > MAX_ANNEX_ROWS:
        raise FilingError(
            f"{name} has more than {MAX_ANNEX_ROWS:,} smelter or refiner rows; RMI knows fewer facilities than that",
            "filing.too-large",
            name=name,
        )
    return parsed


FIRST_PERIOD = 2013
MAX_LINES = 200_000  # a long Conflict Minerals Report with its annex has a few thousand
MAX_ANNEX_ROWS = 3_000  # RMI's reference names about 1,200 facilities for all four metals


def _is_form_sd(lines: Sequence[str], header: Mapping[str, str]) -> bool:
    if header.get("CONFORMED SUBMISSION TYPE", "").upper().startswith("SD"):
        return True
    pattern = re.compile(r"form\s+sd\b|conflict\s+minerals?\s+report|rule\s+13p-1|specialized\s+disclosure", re.I)
    return any(pattern.search(line) for line in lines)


@dataclass(slots=True)
class _Built:
    """A row being built (its name may still grow by a wrapped piece)."""

    metal: str
    row: Row
    line: int
    name: list[str] = field(default_factory=list)


class _AnnexReader:
    """Walk the lines once, keeping the table's state: header, current metal, last row, lines to report."""

    def __init__(self, lines: tuple[str, ...], registrant: str | None = None) -> None:
        self.lines = lines
        self.registrant = (registrant or "").casefold()  # a page header that names the company is no name piece
        counts = Counter(line.strip() for line in lines if 0 < len(line.split()) <= 10)
        self.running = {text for text, count in counts.items() if count >= 3}  # page headers and footers
        self.header: Header | None = None
        self.vertical: list[tuple[int, str, tuple[str, ...]]] = []  # header words printed one a line
        self.metal: str | None = None
        self.metal_line = False  # the line just read named the metal of the rows below
        self.in_table = False
        self.annex_seen = False
        self.adjacent = False  # the line just read was a row
        self.held: tuple[int, Row] | None = None  # "Gold  Jiangxi Copper Company" waiting for "Limited  China  No"
        self.built: list[_Built] = []
        self.pending: list[tuple[int, str]] = []  # other lines since the last row
        self.unread: list[tuple[int, str]] = []

    def read(self) -> tuple[tuple[AnnexLine, ...], tuple[tuple[int, str], ...]]:
        """Read every line; return the annex rows and the unread lines."""
        for number, line in enumerate(self.lines, 1):
            self._line(number, line)
        self._close_vertical()
        self._end_table()
        rows = tuple(
            AnnexLine(b.metal, " ".join(b.name), b.row.country, b.row.status, b.row.smelter_id, b.line, b.row.repairs)
            for b in self.built
        )
        return rows, tuple(sorted(set(self.unread)))

    def _line(self, number: int, line: str) -> None:
        text = line.strip()
        if not any(char.isalnum() for char in text):  # blank, or a rule such as |---| or ____
            return self._break()
        fields = split_fields(line)
        single = sum(1 for cell in fields.cells if cell) == 1
        runs = header_runs(text) if single and len(text.split()) <= 7 and not is_annex_heading(text) else None
        if runs and len(set(runs)) == 1:  # one column's header word(s) on a line of its own
            self.vertical.append((number, text, runs))
            return None
        self._close_vertical()
        if is_page_mark(text):
            return self._break()
        if single and (metal := metal_heading(text)):  # "Gold", "Tin smelters (continued)"
            self._release_held()
            self.metal, self.metal_line, self.adjacent = metal, True, False
            return None
        if single and is_annex_heading(text):
            self.annex_seen = True
            return self._break()
        if header := header_of(fields):
            return self._start_table(header)
        row = None if not fields.separated and is_prose(text) else read_cells(fields, self.header)
        if row and self._continues(number, text, row, single):
            self.built[-1].name.append(row.name)
        elif row and self._is_row(row, fields, number):
            self._add(number, row)
        elif row and self._is_head(row):
            self._release_held()
            self.held = (number, row)
        else:
            self._other(number, text)
        return None

    def _is_row(self, row: Row, fields: Fields, number: int) -> bool:
        """Tell whether a read line is a new row: a known metal and a country, status or ID (or a table of names)."""
        if not fields.separated and not row.country:
            return False  # run-together text is a row only when a country was recognised in it
        if row.metal is None and self.held and self.held[0] == number - 1 and (row.country or row.status):
            return True  # the rest of the row held on the line above
        if not (row.metal or self.metal):
            return False
        if not (row.country or row.status or row.smelter_id):
            names_only = self.header is not None and not {COUNTRY, STATUS} & set(self.header.compact)
            if not row.metal or not (names_only or (self.header is None and self.annex_seen and fields.separated)):
                return False
        # Outside a table, a line opens one only when it reads cleanly: its metal printed, nothing guessed.
        printed_metal = row.metal is not None and (fields.separated or self.annex_seen) and not row.repairs
        return self.in_table or self.metal_line or printed_metal

    def _is_head(self, row: Row) -> bool:
        """Tell whether a line is a row's first part: its metal and name, the rest wrapped to the next line."""
        wants = self.header is not None and bool({COUNTRY, STATUS} & set(self.header.compact))
        return self.in_table and wants and row.metal is not None and not (row.country or row.status)

    def _continues(self, number: int, text: str, row: Row, single: bool) -> bool:
        """Tell whether a line is the wrapped end of the previous row's name."""
        if not (self.adjacent and self.built and row.fragment and single and len(text.split()) <= 6):
            return False
        if not _NAME_PIECE.fullmatch(text) or _NOT_A_NAME.match(text):
            return False
        if text in self.running and (not _COMPANY_TAIL.search(text) or text.casefold() == self.registrant):
            return False
        following = next((line for line in self.lines[number:] if line.strip()), "")
        return not is_prose(following)  # a short line before a paragraph is its heading

    def _add(self, number: int, row: Row) -> None:
        first, name = number, [row.name]
        if self.held is not None:
            held_line, head = self.held
            self.held = None
            if row.metal is None and held_line == number - 1:  # _is_row let it in for this
                first, name, row = held_line, [head.name, row.name], _with_metal(row, head)
            else:
                self.unread.append((held_line, self.lines[held_line - 1].strip()))
        self.unread.extend(self.pending)
        self.pending = []
        metal = row.metal or self.metal
        assert metal is not None  # _is_row checked it
        self.built.append(_Built(metal, row, first, name))
        self.metal, self.in_table, self.adjacent, self.metal_line = metal, True, True, False

    def _other(self, number: int, text: str) -> None:
        self._release_held()
        self.adjacent = self.metal_line = False
        if is_prose(text) or len(text) > 250:
            self._end_table()
        elif self.in_table and text not in self.running:
            self.pending.append((number, text))

    def _start_table(self, header: Header) -> None:
        self._flush_pending()
        self.header, self.in_table, self.adjacent, self.metal_line = header, True, False, False

    def _end_table(self) -> None:
        self._flush_pending()
        self.in_table, self.adjacent, self.metal_line, self.metal = False, False, False, None

    def _flush_pending(self) -> None:
        """Report the data-looking lines after the last row; the rest was page furniture or a heading."""
        self._release_held()
        self.unread.extend((number, text) for number, text in self.pending if looks_like_data(text))
        self.pending = []

    def _release_held(self) -> None:
        if self.held is not None:
            self.unread.append((self.held[0], self.lines[self.held[0] - 1].strip()))
            self.held = None

    def _break(self) -> None:
        self._release_held()
        self.adjacent = False

    def _close_vertical(self) -> None:
        """End a header printed one word group a line: a table header when it names a name and another column."""
        pieces, self.vertical = self.vertical, []
        roles: list[str] = []
        for _, _, runs in pieces:
            roles.extend(role for role in runs if not roles or roles[-1] != role)
        if len(pieces) > 1 and NAME in roles and len(set(roles)) > 1:
            return self._start_table(Header(tuple(roles), tuple(roles)))
        for number, text, _ in pieces:
            self._other(number, text)
        return None


def _with_metal(row: Row, head: Row) -> Row:
    """The second part of a wrapped row, with the first part's metal and ID."""
    return Row(head.metal, row.name, row.country, row.status, row.smelter_id or head.smelter_id, row.repairs)


# --- What the text states: registrant, reporting year, figures and the status legend. -----------------

_UNITS = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"),
    *("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
)
_TENS = {word: 10 * (index + 2) for index, word in enumerate(("twenty", "thirty", "forty", "fifty", "sixty"))}
_TENS |= {"seventy": 70, "eighty": 80, "ninety": 90}
_WORD_NUMBER = (
    rf"(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(_UNITS[1:10])}))?|(?:a|one)\s+hundred"
    rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))}|none|no"
)
# A stated number: digits or English words up to one hundred, maybe after "all" ("all eight").
_N = rf"(?:\ball\s+(?:of\s+)?(?:the\s+|our\s+)?)?\b(?P<n>\d{{1,3}}(?:,\d{{3}})*|{_WORD_NUMBER})\b"
_SUPPLIERS = r"(?:suppliers|manufacturers|vendors)\b"
_FACILITIES = r"(?:facilities|smelters|refiners|refineries)\b"
_FIGURES: dict[str, tuple[str, ...]] = {
    # "We requested from our eight contract manufacturers", "surveyed 120 suppliers".
    "suppliers_surveyed": (
        rf"\b(?:surveyed|requested\s+(?:\w+\s+){{0,2}}?from|sent\s+(?:\w+\s+){{0,4}}?to|contacted|queried)\s+"
        rf"(?:our\s+|the\s+)?{_N}\s+(?:[\w-]+\s+){{0,3}}?{_SUPPLIERS}",
        rf"{_N}\s+(?:[\w-]+\s+){{0,3}}?{_SUPPLIERS}\s+(?:were\s+)?surveyed",
    ),
    # "received responses from all eight", "95 suppliers responded".
    "suppliers_responded": (
        rf"\b(?:received|obtained)\s+(?:\w+\s+){{0,2}}?(?:responses|replies|answers|templates)\s+(?:back\s+)?from\s+{_N}",
        rf"{_N}\s+(?:of\s+(?:the|our|these)\s+(?:[\w-]+\s+){{0,3}}?)?{_SUPPLIERS}\s+(?:have\s+|had\s+)?(?:responded|replied)",
    ),
    # "Of the total 215 facilities", "identified 215 smelters and refiners", "12 smelters were identified".
    "facilities_total": (
        rf"\btotal\s+(?:of\s+)?{_N}\s+(?:[\w-]+\s+){{0,2}}?{_FACILITIES}",
        rf"\b(?:identified|named|listed|reported)\s+{_N}\s+(?:[\w-]+\s+){{0,2}}?{_FACILITIES}",
        rf"{_N}\s+{_FACILITIES}(?:\s+(?:and|or)\s+refiner(?:ie)?s)?\s+(?:were|have\s+been)\s+(?:identified|reported|named)",
    ),
    # "17 of these facilities ... were listed by CFSI as compliant" (same sentence).
    "facilities_conformant": (
        rf"{_N}\s+(?:of\s+(?:the|these|those|such)\s+)?(?:[\w-]+\s+){{0,2}}?{_FACILITIES}[^.;]{{0,120}}?"
        r"\b(?:were|are|was|is|have\s+been|has\s+been)\s+(?:[\w“”\"-]+\s+){0,5}?(?:conformant|compliant|conflict[\s-]free)",
    ),
    # "3 are located in the Covered Countries", "no facility located in the Covered Countries".
    "facilities_in_covered_countries": (
        rf"{_N}\s+(?:of\s+(?:the|these|those|them)\s+)?(?:[\w-]+\s+){{0,3}}?"
        r"(?:facility|facilities|smelters?|refiners?|refiner(?:y|ies)|are|is|were|was)\b[^.;]{0,60}?"
        r"\blocated\s+in\s+(?:the\s+)?covered\s+countr",
    ),
    # "2 are located in Africa", "none of them located in Africa".
    "facilities_in_africa": (
        rf"{_N}\s+(?:of\s+(?:the|these|those|them)\s+)?(?:[\w-]+\s+){{0,3}}?"
        r"(?:facility|facilities|smelters?|refiners?|refiner(?:y|ies)|are|is|were|was)\b[^.;]{0,60}?"
        r"\blocated\s+in\s+africa\b",
    ),
}
_COMPILED = {
    key: tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns) for key, patterns in _FIGURES.items()
}
_PERIODS = (
    r"reporting\s+period\s+(?:from\s+)?january\s+1,?\s*(?:\d{4}\s+)?(?:to|through|-|–)\s+december\s+31,?\s+(\d{4})",
    r"year\s+ended\s+december\s+31,?\s+(\d{4})",
    r"calendar\s+year\s+(\d{4})",
)
_REGISTRANT_NOTE = re.compile(r"\(?\s*exact\s+name\s+of\s+(?:the\s+)?registrant", re.IGNORECASE)
_FORM_WORDS = re.compile(r"form\s+sd|specialized\s+disclosure|securities\s+and\s+exchange|washington", re.IGNORECASE)
# A quoted term then, in the same sentence, "means"/"indicates": “Compliant” in the far right column indicates ...
_DEFINED = re.compile(
    r"[“\"]([^”\"“]{1,60}?)[”\"][^.;“”\"]{0,80}?\b(?:means|indicates|indicated|refers\s+to|denotes|signifies)\b",
    re.IGNORECASE,
)


_PROSE_CHARS = 1_000_000  # a Conflict Minerals Report's prose is a few ten thousand characters


def _joined(lines: Sequence[str]) -> str:
    """The text on one line, single-spaced, so a sentence wrapped over lines still matches (the first 1 MB:
    the searches are linear, but a file of junk should not make them slow)."""
    return " ".join(" ".join(line.split()) for line in lines if line.strip())[:_PROSE_CHARS]


def _count(text: str) -> int:
    """The value of "215", "1,200", "eight", "twenty-one", "one hundred" or "no"."""
    words = text.lower().replace("-", " ").split()
    if words[0][0].isdigit():
        return int(words[0].replace(",", ""))
    if "hundred" in words:
        return 100
    return sum(_TENS.get(word, _UNITS.index(word) if word in _UNITS else 0) for word in words)


_SUBSET = re.compile(r"covered\s+countr|\bsourc", re.IGNORECASE)


def _whole(key: str, match: re.Match[str]) -> bool:
    """Tell whether a count is of all facilities, not of a subset ("17 of these facilities sourcing from ...")."""
    return key in ("facilities_in_covered_countries", "facilities_in_africa") or not _SUBSET.search(match.group(0))


def stated_figures(lines: Sequence[str]) -> dict[str, int]:
    """Return the figures the text states (suppliers surveyed and responded, facilities ...), when found."""
    text = _joined(lines)
    figures: dict[str, int] = {}
    for key, patterns in _COMPILED.items():
        found = next((match for pattern in patterns for match in pattern.finditer(text) if _whole(key, match)), None)
        if found:
            figures[key] = _count(found.group("n"))
    return figures


def reporting_year(lines: Sequence[str], header: Mapping[str, str] | None = None) -> int | None:
    """Return the calendar year reported on: the EDGAR header's period, else what the text says."""
    found = re.fullmatch(r"\s*(\d{4})\d{4}\s*", (header or {}).get("CONFORMED PERIOD OF REPORT", ""))
    if found and plausible_year(int(found.group(1))):
        return int(found.group(1))
    text = _joined(lines)
    for pattern in _PERIODS:
        if (found := re.search(pattern, text, re.IGNORECASE)) and plausible_year(int(found.group(1))):
            return int(found.group(1))
    return None


def plausible_year(year: int) -> bool:
    """Tell whether a year can be a Form SD reporting period (the rule's first was 2013)."""
    return FIRST_PERIOD <= year <= dt.date.today().year + 1


def registrant_of(lines: Sequence[str], header: Mapping[str, str] | None = None) -> str | None:
    """Return the registrant: the EDGAR header's company name, else the line(s) above its charter-name note."""
    if header and (name := " ".join(clean_line(header.get("COMPANY CONFORMED NAME", "")).split())):
        return name
    for index, line in enumerate(lines):
        if not (note := _REGISTRANT_NOTE.search(line)):
            continue
        if before := " ".join(line[: note.start()].split()):
            return before
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        picked: list[str] = []
        while above >= 0 and lines[above].strip() and len(picked) < 2 and not _FORM_WORDS.search(lines[above]):
            picked.insert(0, " ".join(lines[above].split()))
            above -= 1
        return " ".join(picked) or None
    return None


def status_legend(lines: Sequence[str]) -> list[str]:
    """Return the quoted terms the text defines ("An indication of “Compliant” ... indicates"), in order."""
    terms: list[str] = []
    for found in _DEFINED.finditer(_joined(lines)):
        term = " ".join(found.group(1).split()).strip(" .,")
        if term and term not in terms:
            terms.append(term)
    return terms
