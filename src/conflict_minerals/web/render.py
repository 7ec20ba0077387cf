"""Pages from Jinja2 templates (autoescaped), flash messages across a redirect, error pages."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from conflict_minerals.neutral import terminal_text
from conflict_minerals.reference.countries import plain_country_name

HERE = Path(__file__).parent
NAVIGATION = (
    ("dashboard", "/", "Dashboard"),
    ("suppliers", "/suppliers", "Suppliers"),
    ("upload", "/upload", "Upload"),
    ("smelters", "/smelters", "Smelters"),
    ("reference", "/reference", "Reference"),
    ("report", "/report", "Report"),
    ("audit", "/audit", "Audit trail"),
)


def _date(value: dt.date | dt.datetime | None, with_time: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return value.isoformat()


@functools.lru_cache(maxsize=4096)
def _country(text: str | None) -> str:
    """A country as people write it ('KOREA, REPUBLIC OF' -> 'South Korea'), the report's spelling."""
    return terminal_text(plain_country_name(text)) if text else "—"


def _plain_lines(text: str) -> str:
    """Several lines of text (a letter), each neutral as `plain` makes one line (tabs kept)."""
    return "\n".join(terminal_text(line.replace("\t", "    ")) for line in text.splitlines())


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value from a supplier's file is text, never markup
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["date"] = _date
    environment.filters["plain"] = terminal_text  # no control or bidi characters from a supplier's file
    environment.filters["country"] = _country
    environment.filters["plain_text"] = _plain_lines
    environment.globals["navigation"] = NAVIGATION
    return environment


ENVIRONMENT = _environment()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; every form sends it back."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def flash(request: Request, kind: str, text: str) -> None:
    """Keep a message ("ok" or "error") for the next page shown to this session."""
    request.session.setdefault("flash", []).append([kind, text])


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the signed-in user, the CSRF token, the flash messages and `context`."""
    messages = request.session.pop("flash", [])
    html = ENVIRONMENT.get_template(template).render(
        user=getattr(request.state, "user", None),
        csrf=csrf_token(request),
        flashes=messages,
        active=context.pop("active", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def redirect(path: str) -> RedirectResponse:
    """See another page of this app (303: the browser follows with GET); only local paths."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        path = "/"
    return RedirectResponse(path, status_code=303)


def refused(request: Request, why: str, status_code: int = 403) -> Response:
    """The page saying an action or page is not allowed, and why."""
    return render(request, "error.html", status_code=status_code, title="Not allowed", message=why)


def not_found(request: Request, what: str) -> Response:
    """The page saying something does not exist."""
    return render(request, "error.html", status_code=404, title="Not found", message=what)
