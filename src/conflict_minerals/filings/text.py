"""Turn a filed Form SD / Conflict Minerals Report, as EDGAR serves it, into plain text lines.

Three shapes come in: an HTML exhibit, an EDGAR full submission (`.txt` with `<DOCUMENT>` blocks and
a header), and a text export. Tables come out as TAB-separated fields on one line per row, so the
annex reader sees one layout whatever the source. Binary files (PDF, images) are refused with a
message saying what to do instead.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from conflict_minerals.errors import ConflictMineralsError

MAX_BYTES = 10 * 1024 * 1024  # EDGAR full submissions of a Form SD are well under this; exhibits under 2 MB
# Documents of a full submission worth reading: the form itself and its text exhibits.
_KEPT_TYPES = re.compile(r"^(?:SD(?:/A)?|EX-1\.0\d|EX-99(?:\.\d+)?)$", re.IGNORECASE)
_BINARY_EXTENSIONS = (".jpg", ".jpeg", ".gif", ".png", ".pdf", ".zip", ".xls", ".xlsx", ".bmp", ".tif", ".tiff")
_LOOKS_HTML = re.compile(r"<!doctype html|<(?:html|body|div|p|table|font|br|span)\b", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"^\s*([A-Z][A-Z0-9 ./-]*?):[ \t]*(\S.*?)\s*$")
_UNUSUAL = re.compile(r"[^\t\x20-\x7e]")  # a line of printable ASCII and tabs needs no cleaning
_WORD = re.compile(r"[^\W\d_]{2,}")
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


class FilingError(ConflictMineralsError):
    """A filing we cannot read at all; the one-line message says why and what to do."""

    default_code = "filing.unreadable"


@dataclass(frozen=True, slots=True)
class FilingText:
    """The text lines of a filing and, for a full submission, its EDGAR header fields."""

    lines: tuple[str, ...]
    header: Mapping[str, str] = field(default_factory=dict)


def filing_text(data: bytes, name: str) -> FilingText:
    """Read the bytes of a filing (HTML, full submission or text) into lines and header fields."""
    _refuse_unreadable(data, name)
    text = _decode(data, name)
    if re.search(r"<(?:SEC-DOCUMENT|DOCUMENT)>", text[:20_000]) and "<TEXT>" in text.upper():
        lines, header = _submission(text, name)
    elif name.lower().endswith((".htm", ".html")) or _LOOKS_HTML.search(text[:4096]):
        lines, header = html_lines(text), {}
    else:
        lines, header = plain_lines(text), {}
    if not any(_WORD.search(line) for line in lines):
        raise FilingError(f"{name} has no readable words", "filing.no-words", name=name)
    return FilingText(tuple(lines), header)


def filing_lines(data: bytes, name: str) -> list[str]:
    """Read the bytes of a filing into text lines (see `filing_text`)."""
    return list(filing_text(data, name).lines)


def _refuse_unreadable(data: bytes, name: str) -> None:
    """Raise FilingError for an empty, oversized, PDF, image or other binary file."""
    scanned = "is a scanned image without text; run text recognition (OCR) on it first"
    if not data.strip():
        raise FilingError(f"{name} is empty", "filing.empty", name=name)
    if len(data) > MAX_BYTES:
        too_large = f"{name} is larger than {MAX_BYTES // 2**20} MB; is it a filing?"
        raise FilingError(too_large, "filing.too-large", name=name)
    if b"%PDF-" in data[:1024]:
        # A PDF with fonts has a text layer someone can export; without fonts it is only pictures of pages.
        if b"/Font" in data:
            raise FilingError(f"{name} is a PDF; export its text first (as text or HTML)", "filing.pdf", name=name)
        raise FilingError(f"{name} {scanned}", "filing.scanned", name=name)
    if data.startswith(_IMAGE_MAGIC):
        raise FilingError(f"{name} {scanned}", "filing.scanned", name=name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text: its NUL bytes are expected
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) // 20:
        raise FilingError(f"{name} is a binary file, not the text or HTML of a filing", "filing.binary", name=name)


def _decode(data: bytes, name: str) -> str:
    """Decode as UTF-8 (with or without BOM), UTF-16 with BOM, the charset an HTML page declares, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FilingError(f"{name} is damaged UTF-16 text", name=name) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(codecs.lookup(declared.group(1).decode("ascii")).name, errors="replace")
        except LookupError:
            raise FilingError(f"{name} declares a character set we do not know", "filing.charset", name=name) from None
    return data.decode("cp1252", errors="replace")


_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


def clean_line(line: str) -> str:
    """Return a line without control or format characters (TAB kept), with every kind of space as a space."""
    if not _UNUSUAL.search(line):
        return line.rstrip(" ")
    out: list[str] = []
    for char in line:
        category = unicodedata.category(char)
        if char == "\t" or category[0] not in "CZ":
            out.append(char)
        elif category == "Zs":
            out.append(" ")
    return "".join(out).rstrip(" ")


def plain_lines(text: str) -> list[str]:
    """Split plain text into clean lines; form feeds and old EDGAR `<PAGE>` marks become line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = re.sub(r"(?im)^[ \t]*<PAGE>[ \t]*$", "", text)
    return [clean_line(line) for line in text.split("\n")]


def _submission(text: str, name: str) -> tuple[list[str], dict[str, str]]:
    """Read a full submission: its header fields and the lines of its form and text exhibits."""
    first = re.search(r"<DOCUMENT>", text, re.IGNORECASE)
    header: dict[str, str] = {}
    for line in text[: first.start() if first else 0].splitlines():
        if found := _HEADER_FIELD.match(line):
            header.setdefault(found.group(1).strip(), found.group(2))
    documents = re.findall(r"<DOCUMENT>(.*?)(?:</DOCUMENT>|\Z)", text, re.IGNORECASE | re.DOTALL)
    chosen = [doc for doc in documents if _kept(doc)] or [doc for doc in documents if _text_like(doc)]
    if not chosen:
        raise FilingError(f"{name} holds no text document (only pictures or attachments)", "filing.no-text", name=name)
    lines: list[str] = []
    for document in chosen:
        body = _tagged(document, "TEXT") or ""
        body = re.sub(r"(?is)^\s*<(?:XML|XBRL)>|</(?:XML|XBRL)>\s*$", "", body)
        lines.extend(html_lines(body) if _LOOKS_HTML.search(body[:4096]) else plain_lines(body.strip("\n")))
        lines.append("")
    return lines, header


def _tagged(document: str, tag: str) -> str | None:
    """Return the value of an SGML tag of a `<DOCUMENT>` block (`<TYPE>SD` or `<TEXT>...</TEXT>`)."""
    if tag == "TEXT":
        found = re.search(r"<TEXT>(.*?)(?:</TEXT>|\Z)", document, re.IGNORECASE | re.DOTALL)
    else:
        found = re.search(rf"<{tag}>[ \t]*([^\r\n<]*)", document, re.IGNORECASE)
    return found.group(1) if found else None


def _text_like(document: str) -> bool:
    """Tell whether a `<DOCUMENT>` holds text rather than an uuencoded or binary attachment."""
    filename = (_tagged(document, "FILENAME") or "").strip().lower()
    body = (_tagged(document, "TEXT") or "").lstrip()
    if filename.endswith(_BINARY_EXTENSIONS) or re.match(r"(?i)begin \d{3} |<PDF>|%PDF-", body):
        return False
    kind = (_tagged(document, "TYPE") or "").strip().upper()
    return kind not in {"GRAPHIC", "ZIP", "PDF", "EXCEL", "JSON", "XML"} and not kind.startswith("EX-101")


def _kept(document: str) -> bool:
    """Tell whether a `<DOCUMENT>` is the form or one of its text exhibits."""
    return bool(_KEPT_TYPES.match((_tagged(document, "TYPE") or "").strip())) and _text_like(document)


# Elements that start a new line; inside a table cell they only separate words.
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    (
        *("p", "div", "br", "tr", "li", "table", "ul", "ol", "blockquote", "pre", "hr", "section", "article"),
        *("center", "dt", "dd", "caption", "title", *_HEADINGS),
    )
)
# Elements after which a paragraph ends, as an empty line does in a text export.
_PARAGRAPHS = frozenset(("p", "table", "hr", "ul", "ol", "blockquote", "pre", *_HEADINGS))


class _TextMaker(HTMLParser):
    """Collect the text of an HTML document as lines; table rows as TAB-separated cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.words: list[str] = []  # text of the line (or cell) being built
        self.cells: list[str] | None = None  # cells of the table row being built
        self.in_cell = False
        self.skipping = 0  # inside <script> or <style>
        self.in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element: cells, rows and blocks break the text."""
        style = " ".join(value or "" for key, value in attrs if key == "style").lower()
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag == "pre":
            self.in_pre += 1
        if tag == "table" and (self.in_cell or self.cells):
            self._end_row()  # a table inside a layout cell: the outer cell so far becomes its own line
        if tag == "tr":
            self._end_row()
            self.cells = []
        elif tag in ("td", "th"):
            self._end_cell()
            self.cells = [] if self.cells is None else self.cells
            self.in_cell = True
        elif tag in _BLOCKS or "page-break" in style:
            self._break(paragraph="page-break" in style)

    def handle_endtag(self, tag: str) -> None:
        """Close an element: a cell, a row or a block ends here."""
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self._end_row()
            self.lines.append("")
        elif tag in _BLOCKS:
            self._break(paragraph=tag in _PARAGRAPHS)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closing element such as `<br/>`."""
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        """Keep text, except inside scripts and styles."""
        if self.skipping:
            return
        if self.in_pre and not self.in_cell:
            head, *rest = data.split("\n")
            self.words.append(head)
            for piece in rest:
                self._flush()
                self.words.append(piece)
            return
        # HTML collapses ASCII whitespace but keeps no-break spaces (they may align columns).
        self.words.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def _break(self, paragraph: bool) -> None:
        if self.in_cell:
            self.words.append(" ")
            return
        self._flush()
        if paragraph and self.lines and self.lines[-1]:
            self.lines.append("")

    def _flush(self) -> None:
        text = "".join(self.words).strip(" ")
        self.words = []
        if text or self.in_pre:
            self.lines.append(text)

    def _end_cell(self) -> None:
        if not self.in_cell:
            return
        cell = " ".join(clean_line("".join(self.words)).split())
        self.words = []
        self.in_cell = False
        if self.cells is not None:
            self.cells.append(cell)

    def _end_row(self) -> None:
        self._end_cell()
        if self.cells is None:
            return
        cells, self.cells = self.cells, None
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            self.lines.append("\t".join(cells))

    def close(self) -> None:
        """Finish the document: the last row and line."""
        super().close()
        self._end_row()
        self._flush()


def html_lines(text: str) -> list[str]:
    """Convert HTML to clean lines: blocks break lines, table cells become TAB-separated fields."""
    maker = _TextMaker()
    maker.feed(text)
    maker.close()
    lines = [clean_line(line) for line in maker.lines]
    # Collapse the runs of empty lines that nested blocks leave behind.
    return [line for index, line in enumerate(lines) if line or (index and lines[index - 1])]
