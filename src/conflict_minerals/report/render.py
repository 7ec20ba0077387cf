"""Renderers of the report blocks: EDGAR HTML, Markdown and DOCX, all from the same blocks."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conflict_minerals.neutral import markdown_text
from conflict_minerals.report.document import Block, Heading, Paragraph

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


def to_docx(blocks: Sequence[Block], path: Path) -> None:
    """Render blocks as a Word document counsel can edit."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = Document()
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
            table = document.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            for cell, header in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = header
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            _docx_rows(table, block.rows)
    document.save(str(path))


def _docx_rows(table: Any, rows: Sequence[Sequence[str]]) -> None:
    """Append rows by copying one finished row's XML and setting its texts: linear, and cheap per row.

    (python-docx's table.cell(r, c) walks the whole table on every call, which made tables quadratic.)
    """
    if not rows:
        return
    from docx.oxml.ns import qn

    model = table.add_row()
    for cell in model.cells:
        cell.text = "x"  # every cell gets a paragraph, a run and a text node to fill
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
