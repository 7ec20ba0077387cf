"""The letters to suppliers as templates: English ones ship with the package, translations live in the workspace.

A letter template is plain text: its first line is `Subject: …`, the rest is the body. A
workspace may add `letters/<language>/<kind>.txt.j2` (for example `letters/de/request.txt.j2`);
a supplier whose language has one gets it, everyone else the English letter. Templates are
rendered in Jinja2's sandbox, so a translation file cannot reach into the program.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.addresses import normal_language, valid_language

KINDS = ("request", "reminder", "escalation", "correction")
BUILT_IN = Path(__file__).with_name("letters")
DEFAULT_LANGUAGE = "en"
RMI_TEMPLATES_URL = "https://www.responsiblemineralsinitiative.org/reporting-templates/cmrt/"


class LetterError(ConflictMineralsError):
    """A letter template that cannot be used."""

    default_code = "letter.template"


@dataclass(frozen=True, slots=True)
class Letter:
    """A rendered letter: subject, body and the language it is in."""

    subject: str
    body: str
    language: str


def template_path(kind: str, language: str | None, workspace_root: Path | None) -> tuple[Path, str]:
    """Return the template file of a letter kind in a language (the workspace's translation first) and its language."""
    if language and workspace_root is not None and valid_language(language):
        code = normal_language(language)
        translated = workspace_root / "letters" / code / f"{kind}.txt.j2"
        if translated.is_file():
            return translated, code
    return BUILT_IN / f"{kind}.txt.j2", DEFAULT_LANGUAGE


class _LetterSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with no way to build a huge value: a letter is a page of text."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse `'x' * 10**10` and `10 ** 10**9` before they are computed."""
        if operator == "**" and isinstance(right, int) and right > 64:
            raise SecurityError("the exponent is too large for a letter")
        if operator == "*" and any(
            isinstance(v, int) and not isinstance(v, bool) and v > MAX_LETTER for v in (left, right)
        ):
            raise SecurityError("the repetition is too large for a letter")
        return super().call_binop(context, operator, left, right)


MAX_LETTER = 100_000  # characters a letter may have, and the most a repetition may multiply by
_ENVIRONMENT = _LetterSandbox(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
_ENVIRONMENT.globals["range"] = lambda *args: range(*args)[:1000]  # a loop over a list, never over millions
_COMPILED: dict[tuple[Path, int], Template] = {}  # compiling is most of the cost of a letter


def _template(path: Path) -> Template:
    key = (path, path.stat().st_mtime_ns)
    if key not in _COMPILED:
        _COMPILED[key] = _ENVIRONMENT.from_string(path.read_text(encoding="utf-8"))
    return _COMPILED[key]


def render_letter(kind: str, language: str | None, workspace_root: Path | None, context: dict[str, Any]) -> Letter:
    """Render a letter of a kind for a supplier; a broken translation is an error naming its file."""
    path, used = template_path(kind, language, workspace_root)
    try:
        text = _template(path).render(**_formatted(context))
    except (TemplateError, OSError, UnicodeDecodeError) as exc:
        raise LetterError(f"the letter template {path} cannot be used: {type(exc).__name__}: {exc}") from None
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError, ArithmeticError) as exc:
        raise LetterError(f"the letter template {path} cannot be rendered ({type(exc).__name__}).") from None
    if len(text) > MAX_LETTER:
        raise LetterError(f"the letter template {path} makes a letter of over {MAX_LETTER:,} characters.")
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise LetterError(f"the letter template {path} must start with a 'Subject: …' line.")
    subject = " ".join(first.removeprefix("Subject:").split())
    return Letter(subject, re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + "\n", used)


def _formatted(context: dict[str, Any]) -> dict[str, Any]:
    """A date as English letters write it ("31 March 2026"), and as `<name>_iso` for translations."""
    values = dict(context)
    for key, value in context.items():
        if isinstance(value, dt.date):
            values[key] = f"{value.day} {value:%B %Y}"
            values[f"{key}_iso"] = value.isoformat()
    return values
