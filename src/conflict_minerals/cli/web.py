"""`serve` (the web app on the workspace) and `users` (accounts of the web app)."""

from __future__ import annotations

import sys

import click

from conflict_minerals.cli.common import fail_with, workspace
from conflict_minerals.errors import ConflictMineralsError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Worker processes (readers run side by side; SQLite writers queue).",
)
@click.option("--behind-https", is_flag=True, help="Served behind an HTTPS proxy: session cookies are Secure.")
def serve(host: str, port: int, workers: int, behind_https: bool) -> None:
    """Serve the program in the browser on this workspace (prints a first-run link when there is no user)."""
    import uvicorn

    from conflict_minerals.service.users import has_users, prepare_secrets
    from conflict_minerals.web.account import first_run_token

    with workspace() as ws:
        root = ws.root
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        if not has_users(ws):
            token = first_run_token(prepare_secrets(ws))
            click.echo("There is no user yet. Open this one-time link to create the first administrator:")
            click.echo(f"  http://{shown}:{port}/setup?token={token}")
    click.echo(f"Serving {root} on http://{shown}:{port} (Ctrl+C stops).")
    import os

    os.environ["CONFLICT_MINERALS_WORKSPACE"] = str(root)
    os.environ["CONFLICT_MINERALS_SECURE_COOKIES"] = "1" if behind_https else ""
    uvicorn.run(
        "conflict_minerals.web.serve:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=behind_https,
        log_level="warning",
    )


@click.group()
def users() -> None:
    """Accounts of the web app: add, list, change a role, deactivate, reactivate."""


def _password(from_stdin: bool, prompt: str) -> str:
    """A password from standard input's first line, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "viewer"]), required=True, help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user of the web app with a role: admin, reviewer or viewer."""
    from conflict_minerals.service.users import add_user

    password = _password(password_stdin, "Password")
    with workspace() as ws:
        try:
            added = add_user(ws, ws.actor, name, role, password)
        except ConflictMineralsError as exc:
            fail_with(exc)
    click.echo(f"User {added.name} added as {added.role}.")


@users.command("list")
def users_list() -> None:
    """List the users of the web app and their roles."""
    from conflict_minerals.service.users import users as all_users

    with workspace() as ws:
        found = all_users(ws)
    for user in found:
        click.echo(f"  {user.name:<30} {user.role:<9} {'active' if user.active else 'inactive'}")
    if not found:
        click.echo("No user yet: `conflict-minerals serve` prints a link to create the first administrator.")


def _change(name: str, role: str | None = None, active: bool | None = None) -> None:
    from conflict_minerals.service.users import change_user

    with workspace() as ws:
        try:
            changed = change_user(ws, ws.actor, name, role, active)
        except ConflictMineralsError as exc:
            fail_with(exc)
    click.echo(f"User {changed.name}: {changed.role}, {'active' if changed.active else 'inactive'}.")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["admin", "reviewer", "viewer"]))
def users_set_role(name: str, role: str) -> None:
    """Give a user another role (their open sessions follow at the next click)."""
    _change(name, role=role)


@users.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Stop a user from signing in; their open sessions end at the next click. Their history stays."""
    _change(name, active=False)


@users.command("reactivate")
@click.argument("name")
def users_reactivate(name: str) -> None:
    """Let a deactivated user sign in again."""
    _change(name, active=True)


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input instead of asking.")
def users_set_password(name: str, password_stdin: bool) -> None:
    """Give a user a new password (their open sessions end; failed sign-ins are forgotten)."""
    from conflict_minerals.service.users import set_password

    password = _password(password_stdin, "New password")
    with workspace() as ws:
        try:
            changed = set_password(ws, ws.actor, name, password)
        except ConflictMineralsError as exc:
            fail_with(exc)
    click.echo(f"User {changed.name} has a new password; their open sessions are over.")
