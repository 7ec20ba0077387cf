"""Accounts as the CLI and the web app use them: add, list, sign in, the first admin, the app's secret."""

from __future__ import annotations

from conflict_minerals.program import users as accounts
from conflict_minerals.program.users import User, UserError
from conflict_minerals.program.workspace import Workspace

__all__ = ["User", "UserError", "add_user", "authenticate", "first_admin", "has_users", "user_by_id", "users"]


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
        with workspace.transaction() as connection:
            accounts.rehash_if_needed(connection, user, password)
    return user


def session_secret(workspace: Workspace) -> str:
    """The key that signs session cookies and first-run links, shared by every worker of the workspace."""
    with workspace.transaction() as connection:
        return accounts.app_secret(connection, "session")
