"""Who may do what: the signed-in user, roles for pages (`page`) and actions (`action`), CSRF.

Every POST route is an `action`: it checks the role before reading the body, reads a bounded
form, and refuses a missing or wrong CSRF token. `create_app` refuses to start with a POST
route that is not one, so a new route cannot forget it.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.program.users import User
from conflict_minerals.service.users import user_by_id
from conflict_minerals.web.render import flash, redirect, refused

MAX_FIELDS = 100
MAX_FIELD_BYTES = 64 * 1024
MAX_UPLOAD_FILES = 50

Page = Callable[[Request, User], Awaitable[Response]]
Action = Callable[[Request, User | None, FormData], Awaitable[Response]]


async def signed_in(request: Request) -> User | None:
    """The session's user, checked against the users table (a removed or deactivated account is out)."""
    user_id = request.session.get("user")
    if not isinstance(user_id, int):
        return None
    user = await run_in_threadpool(user_by_id, request.app.state.workspace, user_id)
    if user is None or not user.active or request.session.get("epoch", 0) != user.epoch:
        request.session.pop("user", None)
        flash(request, "error", "Your session has ended: an administrator changed your account. Sign in again.")
        return None
    request.state.user = user
    return user


def page(role: str = "viewer") -> Callable[[Page], Callable[[Request], Awaitable[Response]]]:
    """A GET page for users holding `role` (or a stronger one); others sign in first or are refused."""

    def wrap(handler: Page) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = await signed_in(request)
            if user is None:
                return redirect("/login?next=" + quote(request.url.path))
            if not user.can(role):
                return refused(request, f"This page needs the {role} role; you are a {user.role}.")
            return await handler(request, user)

        endpoint.guarded = True  # type: ignore[attr-defined]
        return endpoint

    return wrap


def action(
    role: str | None = "reviewer", max_files: int = 0
) -> Callable[[Action], Callable[[Request], Awaitable[Response]]]:
    """A POST for users holding `role` (None: anyone, as signing in), with a valid CSRF token."""

    def wrap(handler: Action) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user = await signed_in(request)
            if role is not None and (user is None or not user.can(role)):
                held = f"you are a {user.role}" if user else "you are not signed in"
                return refused(request, f"This action needs the {role} role; {held}. Nothing was changed.")
            if not _same_origin(request):
                return refused(request, "The form came from another site. Nothing was changed.")
            form = await request.form(max_files=max_files, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
            sent = form.get("csrf_token")
            expected = request.session.get("csrf")
            if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
                await form.close()
                return refused(
                    request, "The form expired or was not sent from this app; reload the page and try again."
                )
            try:
                return await handler(request, user, form)
            finally:
                await form.close()

        endpoint.guarded = True  # type: ignore[attr-defined]
        return endpoint

    return wrap


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


def is_guarded(endpoint: Any) -> bool:
    """Tell whether a route's endpoint went through `page` or `action`."""
    return bool(getattr(endpoint, "guarded", False))
