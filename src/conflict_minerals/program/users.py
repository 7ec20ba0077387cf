"""Accounts of the web app: a name, a role and an argon2 password hash; every change is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import app_secrets, users

ROLES = ("viewer", "reviewer", "admin")  # each role may do everything the ones before it may
MIN_PASSWORD = 12
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a password of anyone")  # verified for unknown names: the same time either way


class UserError(ConflictMineralsError):
    """An account that cannot be created or used as asked."""

    default_code = "user.invalid"


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in to the web app."""

    id: int
    name: str
    role: str
    active: bool

    def can(self, role: str) -> bool:
        """Tell whether this user holds `role` or a stronger one."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


def _user(row: object) -> User:
    return User(row.id, row.name, row.role, row.active)  # type: ignore[attr-defined]


def check_new_user(name: str, role: str, password: str) -> str:
    """Return the cleaned name, or raise a UserError saying what is wrong with the account asked for."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200 or any(not ch.isprintable() for ch in cleaned):
        raise UserError("a user name must be 1 to 200 printable characters.", "user.bad_name")
    if role not in ROLES:
        raise UserError(f"there is no role '{role}' (roles: {', '.join(ROLES)}).", "user.bad_role", role=role)
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters.", "user.weak_password")
    return cleaned


def add_user(connection: Connection, actor: str, name: str, role: str, password: str) -> User:
    """Create an account (the password hashed with argon2); audited."""
    cleaned = check_new_user(name, role, password)
    if find_user(connection, cleaned) is not None:
        raise UserError(f"there is already a user '{cleaned}'.", "user.exists", name=cleaned)
    result = connection.execute(
        insert(users).values(
            name=cleaned,
            role=role,
            password_hash=_HASHER.hash(password),
            active=True,
            created_at=now(),
            created_by=actor,
        )
    )
    record(connection, actor, "user.added", {"user": cleaned, "role": role})
    key = result.inserted_primary_key
    assert key is not None
    return User(int(key[0]), cleaned, role, True)


def find_user(connection: Connection, name: str) -> User | None:
    """The account of this name (exactly, after collapsing spaces), or None."""
    row = connection.execute(select(users).where(users.c.name == " ".join(name.split()))).first()
    return _user(row) if row else None


def get_user(connection: Connection, user_id: int) -> User | None:
    """The account of this id, or None."""
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(connection: Connection) -> list[User]:
    """Every account, by name."""
    return [_user(row) for row in connection.execute(select(users).order_by(users.c.name))]


def count_users(connection: Connection) -> int:
    """How many accounts there are."""
    return int(connection.execute(select(func.count()).select_from(users)).scalar_one())


def verify_password(connection: Connection, name: str, password: str) -> User | None:
    """The active account whose password this is, or None; an unknown name costs the same time."""
    row = connection.execute(select(users).where(users.c.name == " ".join(name.split()))).first()
    try:
        _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    return _user(row)


def rehash_if_needed(connection: Connection, user: User, password: str) -> None:
    """Store a fresh hash when the hashing parameters have changed since the password was set."""
    stored = connection.execute(select(users.c.password_hash).where(users.c.id == user.id)).scalar_one()
    if _HASHER.check_needs_rehash(stored):
        connection.execute(update(users).where(users.c.id == user.id).values(password_hash=_HASHER.hash(password)))


def app_secret(connection: Connection, name: str) -> str:
    """The app's secret of this name, made (random, 256 bits) the first time it is asked for."""
    found = connection.execute(select(app_secrets.c.value).where(app_secrets.c.name == name)).scalar()
    if found is not None:
        return str(found)
    value = secrets.token_urlsafe(32)
    connection.execute(insert(app_secrets).values(name=name, value=value, created_at=now()))
    return value
