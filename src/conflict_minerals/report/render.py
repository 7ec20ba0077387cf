"""Renderers of the report blocks: EDGAR HTML, Markdown and DOCX, all from the same blocks."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conflict_minerals.neutral import markdown_text
from conflict_minerals.report.document import Block, Heading, Paragraph, Table

# EDGAR accepts a subset of HTML 3.2 with some HTML 4.0 attributes: no scripts, no external
# references, no nested tables; we write only these tags and attributes, in ASCII.
EDGAR_TAGS = frozenset(
    {"html", "head", "title", "body", "h1", "h2", "h3", "h4", "p", "b", "i", "u", "br", "hr"}
    | {"table", "tr", "td", "th", "font", "center", "div"}
)
EDGAR_ATTRIBUTES = frozenset({"align", "border", "cellpadding", "cellspacing", "width", "valign", "colspan", "size"})


def _escape(text: str) -> str:
    """Escape for EDGAR HTML: the XML specials, then every non-ASCII character as a numeric reference."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return "".join(char if ord(char) < 128 else f"&#{ord(char)};" for char in text)


def to_edgar_html(title: str, blocks: Sequence[Block]) -> str:
    """Render blocks as an EDGAR-ready HTML document."""
    parts = ["<html>", "<head>", f"<title>{_escape(title)}</title>", "</head>", "<body>"]
    for block in blocks:
        if isinstance(block, Heading):
            level = min(block.level, 4)
            align = ' align="center"' if level == 1 else ""
            parts.append(f"<h{level}{align}>{_escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            text = f"<b>{_escape(block.text)}</b>" if block.bold else _escape(block.text)
            parts.append(f'<p align="center">{text}</p>' if block.centered else f"<p>{text}</p>")
        elif block.cover:  # the cover's values with their labels under them, as the form prints them
            parts.append('<table border="0" cellpadding="3" cellspacing="0" width="100%">')
            for row in block.rows:
                parts.append("<tr>" + "".join(f'<td align="center"><b>{_escape(c)}</b></td>' for c in row) + "</tr>")
            parts.append("<tr>" + "".join(f'<td align="center">{_escape(h)}</td>' for h in block.headers) + "</tr>")
            parts.append("</table>")
        else:
            parts.append('<table border="1" cellpadding="3" cellspacing="0" width="100%">')
            parts.append("<tr>" + "".join(f"<th>{_escape(h)}</th>" for h in block.headers) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row) + "</tr>" for row in block.rows]
            parts.append("</table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as Markdown."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + markdown_text(block.text), ""]
        elif isinstance(block, Paragraph):
            text = markdown_text(block.text)
            lines += [f"**{text}**" if block.bold else text, ""]
        else:
            lines.append("| " + " | ".join(_cell(h) for h in block.headers) + " |")
            lines.append("|" + "---|" * len(block.headers))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return markdown_text(text).replace("|", "\\|").replace("\n", " ")


PAGE_WIDTH_TWIPS = 9360  # 6.5 inches of text on a US Letter page with 1-inch margins


def to_docx(blocks: Sequence[Block], path: Path, header: str | None = None) -> None:
    """Render blocks as a Word document counsel can edit: named styles, sized tables, repeated header rows."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
    _docx_styles(document)
    if header:
        paragraph = document.sections[0].header.paragraphs[0]
        paragraph.text = header
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in blocks:
        if isinstance(block, Heading):
            heading = document.add_heading(block.text, level=min(block.level, 4) - (1 if block.level > 1 else 0))
            if block.level == 1:
                heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold = block.bold
            if block.centered:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            _docx_table(document, block)
    document.save(str(path))


def _docx_styles(document: Any) -> None:
    """Black, serif, sized like a filing: python-docx's defaults are blue headings in Calibri."""
    from docx.shared import Pt, RGBColor

    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(11)
    _no_theme_fonts(normal)
    for name, size in (("Title", 16), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11), ("Heading 4", 11)):
        style = document.styles[name]
        style.font.name, style.font.size, style.font.bold = "Times New Roman", Pt(size), True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False
        _no_theme_fonts(style)


def _no_theme_fonts(style: Any) -> None:
    """Drop the theme font references: Word and LibreOffice prefer them to the font named."""
    from docx.oxml.ns import qn

    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int = PAGE_WIDTH_TWIPS) -> list[int]:
    """Share the page width by each column's longest word and typical length, so no word breaks mid-word."""
    sample = rows[:2000]  # enough to size a column; a 6,000-row annex need not be read twice
    longest_word = [
        max((len(word) for text in (h, *(r[i] for r in sample)) for word in text.split()), default=1)
        for i, h in enumerate(headers)
    ]
    typical = [
        max([len(h.split()[0]) if h.split() else 1, *(min(len(r[i]), 40) for r in sample)])
        for i, h in enumerate(headers)
    ]
    wants = [max(w, t) for w, t in zip(longest_word, typical, strict=True)]
    floor = [w * 125 for w in longest_word]  # about 125 twips per character at 9-10 points
    share = [total * w // sum(wants) for w in wants]
    widths = [max(s, f) for s, f in zip(share, floor, strict=True)]
    excess = sum(widths) - total
    if excess > 0:  # give back from the widest columns, never below their longest word
        for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
            take = min(excess, widths[i] - floor[i])
            widths[i] -= take
            excess -= take
    return widths


def _docx_table(document: Any, block: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.shared import Pt, Twips

    if block.cover:
        _docx_cover(document, block)
        return

    table = document.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    table.autofit = False
    widths = column_widths(block.headers, block.rows)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Twips(width)
    header = table.rows[0]
    for cell, text, width in zip(header.cells, block.headers, widths, strict=True):
        cell.width = Twips(width)
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(9)
    properties = header._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):  # the header row repeats on every page; no row splits
        properties.append(OxmlElement(tag))
    _docx_rows(table, block.rows, widths)


def _docx_cover(document: Any, block: Table) -> None:
    """The cover's values with their labels under them, centred and without a grid, as the form prints them."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    table = document.add_table(rows=2, cols=len(block.headers))
    for row in block.rows[:1]:
        for column, (value, label) in enumerate(zip(row, block.headers, strict=True)):
            for line, (text, size) in enumerate(((value, 11), (label, 8))):
                paragraph = table.rows[line].cells[column].paragraphs[0]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = paragraph.add_run(text)
                run.font.size = Pt(size)
                run.bold = line == 0


def _docx_rows(table: Any, rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    """Append rows by copying one finished row's XML and setting its texts: linear, and cheap per row.

    (python-docx's table.cell(r, c) walks the whole table on every call, which made tables quadratic.)
    """
    if not rows:
        return
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    model = table.add_row()
    for cell, width in zip(model.cells, widths, strict=True):
        cell.width = Twips(width)
        cell.paragraphs[0].add_run("x").font.size = Pt(9)  # every cell gets a paragraph, a run and a text node
    model._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    template = copy.deepcopy(model._tr)
    table._tbl.remove(model._tr)
    space = "{http://www.w3.org/XML/1998/namespace}space"
    for row in rows:
        element = copy.deepcopy(template)
        for node, value in zip(element.iter(qn("w:t")), row, strict=True):
            node.text = value
            node.set(space, "preserve")
        table._tbl.append(element)


_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)\s*=\s*"([^"]*)"')
_ENTITY = re.compile(r"&(#?[a-zA-Z0-9]+);")


_NUMERIC_REFERENCE = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")
_ALLOWED_CONTROL = {9, 10, 13}


def _has_control(html: str) -> bool:
    """Tell whether a document holds a control character, written as itself or as a numeric reference."""
    codes = [ord(char) for char in html if ord(char) < 32 or ord(char) == 127]
    for reference in _NUMERIC_REFERENCE.findall(html):
        codes.append(int(reference[1:], 16) if reference[0] in "xX" else int(reference))
    return any((code < 32 and code not in _ALLOWED_CONTROL) or 127 <= code < 160 for code in codes)


def edgar_problems(html: str) -> list[str]:
    """Check an HTML document against the EDGAR rules we write to; return every problem found."""
    problems = []
    if any(ord(char) > 127 for char in html):
        problems.append("non-ASCII character (write it as a numeric character reference)")
    if _has_control(html):
        problems.append("control character (EDGAR accepts none)")
    depth = 0
    for closing, tag, attributes in _TAG.findall(html):
        name = tag.lower()
        if name not in EDGAR_TAGS:
            problems.append(f"tag <{name}> is not permitted")
        for attribute, value in _ATTRIBUTE.findall(attributes):
            if attribute.lower() not in EDGAR_ATTRIBUTES:
                problems.append(f"attribute {attribute} on <{name}> is not permitted")
            if re.match(r"\s*(https?:|//|javascript:|file:)", value, re.IGNORECASE):
                problems.append(f"external reference {value}")
        if name == "table":
            depth += -1 if closing else 1
            if depth > 1:
                problems.append("nested table")
    for entity in _ENTITY.findall(html):
        if not (entity.startswith("#") or entity in ("amp", "lt", "gt", "quot", "nbsp")):
            problems.append(f"entity &{entity}; is not permitted")
    return problems


def edgar_file_name(company: str, part: str, year: int) -> str:
    """An EDGAR file name: lower-case letters and digits, a letter first, one '_', '.htm', at most 32 characters."""
    words = re.sub(r"[^a-z0-9 ]", "", company.lower()).split() or ["registrant"]
    prefix = words[0] if words[0][0].isalpha() else f"r{words[0]}"
    name = f"{prefix[:12]}{part}_{year}.htm"
    assert len(name) <= 32
    return name
