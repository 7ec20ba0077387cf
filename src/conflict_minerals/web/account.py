"""Signing in and out, the one-time first-run link that creates the first admin, and users (admin)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from conflict_minerals.program.users import ROLES, User, UserError
from conflict_minerals.service import users as accounts
from conflict_minerals.web.guard import action, page
from conflict_minerals.web.render import flash, redirect, refused, render

FIRST_RUN_SALT = "first-run"
FIRST_RUN_HOURS = 24


def first_run_token(secret: str) -> str:
    """The token of the one-time first-run link (good for a day, and only while there is no user)."""
    return URLSafeTimedSerializer(secret, salt=FIRST_RUN_SALT).dumps("first-admin")


def _token_valid(request: Request, token: str) -> bool:
    try:
        URLSafeTimedSerializer(request.app.state.secret, salt=FIRST_RUN_SALT).loads(
            token, max_age=FIRST_RUN_HOURS * 3600
        )
    except BadSignature:
        return False
    return True


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _start_session(request: Request, user: User) -> None:
    csrf = request.session.get("csrf")
    request.session.clear()  # a fresh session on sign-in: nothing set before it carries over
    request.session["user"] = user.id
    request.session["epoch"] = user.epoch
    if csrf:
        request.session["csrf"] = csrf


async def login_page(request: Request) -> Response:
    """The sign-in form (or the first-run hint when there is no user yet)."""
    has_users = await run_in_threadpool(accounts.has_users, request.app.state.workspace)
    return render(
        request, "login.html", title="Sign in", has_users=has_users, next=request.query_params.get("next", "/")
    )


@action(role=None)
async def login(request: Request, _user: User | None, form: FormData) -> Response:
    """Check the name and password (throttled per name and address) and start a session."""
    name, password = _text(form, "name"), _text(form, "password")
    address = request.client.host if request.client else "unknown"
    workspace = request.app.state.workspace
    attempt = await run_in_threadpool(accounts.sign_in_attempt, workspace, name, address)
    if attempt is None:
        return render(
            request, "login.html", status_code=429, title="Sign in", has_users=True, next="/",
            error="Too many failed sign-ins. Wait 15 minutes and try again.",
        )  # fmt: skip
    user = await run_in_threadpool(accounts.authenticate, workspace, name, password)
    if user is None:  # the attempt stays counted as a failure
        return render(
            request, "login.html", status_code=401, title="Sign in", has_users=True, next="/",
            error="Wrong name or password.",
        )  # fmt: skip
    await run_in_threadpool(accounts.sign_in_succeeded, workspace, name, attempt)
    _start_session(request, user)
    return redirect(_text(form, "next") or "/")


@action(role=None)
async def logout(request: Request, _user: User | None, _form: FormData) -> Response:
    """End the session."""
    request.session.clear()
    return redirect("/login")


async def setup_page(request: Request) -> Response:
    """The first-run form that creates the first admin, reached only by the link `serve` printed."""
    token = request.query_params.get("token", "")
    if not _token_valid(request, token) or await run_in_threadpool(accounts.has_users, request.app.state.workspace):
        return refused(request, "This first-run link is not valid (or was already used). Sign in instead.")
    return render(request, "setup.html", title="Create the first administrator", token=token)


@action(role=None)
async def setup(request: Request, _user: User | None, form: FormData) -> Response:
    """Create the first admin from the first-run form and sign them in."""
    token = _text(form, "token")
    if not _token_valid(request, token):
        return refused(request, "This first-run link is not valid (or was already used). Sign in instead.")
    password = _text(form, "password")
    if password != _text(form, "confirm"):
        flash(request, "error", "The two passwords differ.")
        return redirect(f"/setup?token={token}")
    try:
        user = await run_in_threadpool(accounts.first_admin, request.app.state.workspace, _text(form, "name"), password)
    except UserError as exc:
        flash(request, "error", str(exc))
        return redirect(f"/setup?token={token}" if exc.code != "user.first_run_used" else "/login")
    _start_session(request, user)
    flash(request, "ok", f"Welcome, {user.name}. You are the administrator; add colleagues under Users.")
    return redirect("/")


@page("admin")
async def users_page(request: Request, user: User) -> Response:
    """Every account and a form to add one (admin)."""
    found = await run_in_threadpool(accounts.users, request.app.state.workspace)
    return render(request, "users.html", title="Users", users=found, roles=ROLES, active="users")


@action("admin")
async def add_user(request: Request, user: User | None, form: FormData) -> Response:
    """Add an account with a role (admin); audited with the admin as actor."""
    assert user is not None
    try:
        added = await run_in_threadpool(
            accounts.add_user, request.app.state.workspace, user.name, _text(form, "name"), _text(form, "role"),
            _text(form, "password"),
        )  # fmt: skip
    except UserError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"User {added.name} added as {added.role}.")
    return redirect("/users")


@action("admin")
async def change_user(request: Request, user: User | None, form: FormData) -> Response:
    """Give an account another role, or deactivate or reactivate it (admin); audited."""
    assert user is not None
    role = _text(form, "role") or None
    active = {"yes": True, "no": False}.get(_text(form, "active"))
    try:
        changed = await run_in_threadpool(
            accounts.change_user, request.app.state.workspace, user.name, _text(form, "name"), role, active
        )
    except UserError as exc:
        flash(request, "error", str(exc))
    else:
        state = "active" if changed.active else "deactivated"
        flash(request, "ok", f"User {changed.name} is now {changed.role}, {state}.")
    return redirect("/users")


@action("admin")
async def set_password(request: Request, user: User | None, form: FormData) -> Response:
    """Give an account a new password (admin); its sessions end; audited without the password."""
    assert user is not None
    try:
        changed = await run_in_threadpool(
            accounts.set_password, request.app.state.workspace, user.name, _text(form, "name"), _text(form, "password")
        )
    except UserError as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"User {changed.name} has a new password; their open sessions are over.")
    return redirect("/users")
