"""Accounts as the CLI and the web app use them: add, list, sign in, the first admin, the app's secret."""

from __future__ import annotations

import datetime as dt

from conflict_minerals.program import users as accounts
from conflict_minerals.program.audit import now
from conflict_minerals.program.users import User, UserError
from conflict_minerals.program.workspace import Workspace

__all__ = [
    "User",
    "UserError",
    "add_user",
    "authenticate",
    "change_user",
    "first_admin",
    "has_users",
    "prepare_secrets",
    "set_password",
    "sign_in_attempt",
    "sign_in_succeeded",
    "user_by_id",
    "users",
]

THROTTLE_WINDOW = dt.timedelta(minutes=15)
THROTTLE_LIMITS = {"name": 5, "address": 20}  # failed sign-ins within the window


def add_user(workspace: Workspace, actor: str, name: str, role: str, password: str) -> User:
    """Create an account with a role (viewer, reviewer or admin); audited."""
    accounts.check_new_user(name, role, password)  # hash nothing inside the write transaction when it fails
    with workspace.transaction() as connection:
        return accounts.add_user(connection, actor, name, role, password)


def first_admin(workspace: Workspace, name: str, password: str) -> User:
    """Create the first account, an admin, only while there is none (the one-time first-run path)."""
    with workspace.transaction() as connection:
        if accounts.count_users(connection):
            raise UserError("the first administrator was already created; sign in instead.", "user.first_run_used")
        return accounts.add_user(connection, " ".join(name.split()), name, "admin", password)


def users(workspace: Workspace) -> list[User]:
    """Every account, by name."""
    with workspace.read() as connection:
        return accounts.list_users(connection)


def has_users(workspace: Workspace) -> bool:
    """Tell whether any account exists (else the first-run path is open)."""
    with workspace.read() as connection:
        return accounts.count_users(connection) > 0


def user_by_id(workspace: Workspace, user_id: int) -> User | None:
    """The account of this id, or None (a signed-in session is checked against it on every request)."""
    with workspace.read() as connection:
        return accounts.get_user(connection, user_id)


def authenticate(workspace: Workspace, name: str, password: str) -> User | None:
    """The active account whose password this is, or None."""
    with workspace.read() as connection:
        user = accounts.verify_password(connection, name, password)
    if user is not None:
        with workspace.transaction(bookkeeping=True) as connection:
            accounts.rehash_if_needed(connection, user, password)
    return user


def change_user(
    workspace: Workspace, actor: str, name: str, role: str | None = None, active: bool | None = None
) -> User:
    """Give an account another role, deactivate or reactivate it (signed-in sessions follow at once); audited."""
    with workspace.transaction() as connection:
        return accounts.change_user(connection, actor, name, role, active)


def set_password(workspace: Workspace, actor: str, name: str, password: str) -> User:
    """Give an account a new password (an admin's reset); its open sessions end; audited."""
    with workspace.transaction() as connection:
        user = accounts.set_password(connection, actor, name, password)
        accounts.forget_failures(connection, user.name)  # a locked-out user can sign in with the new one
    return user


def sign_in_attempt(workspace: Workspace, name: str, address: str) -> tuple[int, ...] | None:
    """Count a sign-in attempt before its password is checked (parallel guesses count too); None when refused."""
    with workspace.transaction(bookkeeping=True) as connection:
        accounts.serialize_sign_ins(connection)
        since = now() - THROTTLE_WINDOW
        counts = accounts.recent_failures(connection, name, address, since)
        if any(counts[kind] >= limit for kind, limit in THROTTLE_LIMITS.items()):
            return None
        return accounts.record_failure(connection, name, address, since)


def sign_in_succeeded(workspace: Workspace, name: str, attempt: tuple[int, ...]) -> None:
    """Forget the name's failed sign-ins and this attempt after a good one."""
    with workspace.transaction(bookkeeping=True) as connection:
        accounts.forget_failures(connection, name, attempt)


def prepare_secrets(workspace: Workspace) -> str:
    """Make the app's secrets before the first request (session signing, throttling keys); return the session key."""
    with workspace.transaction(bookkeeping=True) as connection:
        accounts.app_secret(connection, "throttle")
        return accounts.app_secret(connection, "session")
