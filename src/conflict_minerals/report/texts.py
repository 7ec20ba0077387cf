"""The narrative of the report: default text written by us, overridable per company with Jinja templates.

A company puts a file with the same name (e.g. `conclusion.txt.j2`) in the workspace's
`templates/` folder to replace a block without forking. Blank lines separate paragraphs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.settings import DueDiligenceSettings

if TYPE_CHECKING:
    from conflict_minerals.report.model import ReportModel

BUILT_IN = Path(__file__).parent / "templates"
BLOCKS = (
    "form_sd_item_101",
    "cmr_introduction",
    "company_overview",
    "covered_products",
    "framework",
    "rcoi",
    "dd_step1",
    "dd_step2",
    "dd_step3",
    "dd_step4",
    "dd_step5",
    "facilities",
    "origin",
    "mine_efforts",
    "conclusion",
    "audit",
    "risk_factors",
    "future_steps",
    "annex_note",
)


class _NarrativeSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox that also refuses the report model's own methods (a template reads, never sets)."""

    def is_safe_callable(self, obj: Any) -> bool:
        """Allow plain functions and safe built-ins; refuse anything bound to the report model."""
        from conflict_minerals.report.model import ReportModel

        return super().is_safe_callable(obj) and not isinstance(getattr(obj, "__self__", None), ReportModel)


class TemplateTextError(ConflictMineralsError):
    """A narrative template (usually a workspace override) that cannot be rendered."""

    default_code = "report.template"


def long_date(date: Any) -> str:
    """Write a date as 'May 31, 2026'."""
    return f"{date:%B} {date.day}, {date.year}"


PLACEHOLDER = "[CONFIRM: {}]"  # `filings check` finds these; a final filing has none


def confirm(what: str) -> str:
    """A visible placeholder for something only the company can confirm."""
    return PLACEHOLDER.format(what)


def plural(count: int | float, singular: str, plural_form: str | None = None) -> str:
    """'1 supplier', '2 suppliers' ('1 facility', '3 facilities' with the plural given)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:g} {word}" if isinstance(count, float) else f"{count} {word}"


def join_words(items: list[str] | tuple[str, ...]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def percent(value: float) -> str:
    """Write a share as a whole percentage."""
    return f"{round(value * 100)}%"


def render_texts(model: ReportModel, overrides: Path | None = None, due_diligence: Any = None) -> dict[str, list[str]]:
    """Render every narrative block to paragraphs of plain text."""
    folders = [str(overrides)] if overrides and overrides.is_dir() else []
    # A workspace template is text someone could have edited: sandboxed, it reads the figures and
    # cannot reach Python internals (no shell commands, no attribute tricks).
    environment = _NarrativeSandbox(
        loader=ChoiceLoader([FileSystemLoader(folders), FileSystemLoader(str(BUILT_IN))]),
        undefined=StrictUndefined,
        autoescape=False,  # plain text: each renderer escapes for its own format
        keep_trailing_newline=False,
    )
    context = {
        "model": model,
        "company": model.company,
        "dd": due_diligence or DueDiligenceSettings(),
        "name": model.company.legal_name or "The Company",
        "f": model.figures,
        "period": model.period,
        "period_start": long_date(model.period_start),
        "period_end": long_date(model.period_end),
        "as_of": long_date(model.as_of),
        "pct": percent,
        "confirm": confirm,
        "plural": plural,
        "join": join_words,
        "origin": model.origin,
        "statuses": bool(model.status_lists),
        "signature_date": long_date(model.signature_date) if model.signature_date else None,
    }
    texts = {}
    for block in BLOCKS:
        try:
            rendered = environment.get_template(f"{block}.txt.j2").render(context)
        except SecurityError:
            raise TemplateTextError(f"the template {block}.txt.j2 tries something a template may not do.") from None
        except TemplateError as exc:
            raise TemplateTextError(f"the template {block}.txt.j2 cannot be used ({exc.message}).") from None
        texts[block] = [" ".join(part.split()) for part in rendered.split("\n\n") if part.strip()]
    return texts
