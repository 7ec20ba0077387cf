"""Supplier text made neutral for the program that opens an output: spreadsheets, Markdown viewers, terminals."""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Tags, autolinks, code and the closing bracket of a link or reference ("](", "]:", "][");
# plain brackets such as "[X]" stay as they are.
_MARKDOWN = re.compile(r"([\\`<>]|\](?=[(:\[]))")


def spreadsheet_text(value: object) -> object:
    """Keep a spreadsheet from reading text as a formula: a leading =, +, -, @, tab or CR gets a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def markdown_text(text: str) -> str:
    """Escape what Markdown or the HTML inside it would act on (tags, links, code)."""
    return _MARKDOWN.sub(r"\\\1", text)


def terminal_text(text: str) -> str:
    """Show control characters (escape codes, line breaks, bidi overrides) as visible escapes: a line stays one line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def input_text(text: str | None) -> str:
    """Text a person or a list gives us, kept as one clean line: control and bidi characters gone, spaces single."""
    if not text:
        return ""
    return " ".join(_INVISIBLE.sub("", text).split())
