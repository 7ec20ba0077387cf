"""Accounts of the web app: a name, a role and an argon2 password hash; every change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import app_secrets, sign_in_failures, users

SIGN_IN_LOCK = 0x636D5349  # PostgreSQL advisory lock taken while an attempt is counted ("cmSI")
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
    epoch: int = 0  # sessions started under another epoch are over (the user was deactivated since)

    def can(self, role: str) -> bool:
        """Tell whether this user holds `role` or a stronger one."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


def _user(row: object) -> User:
    return User(row.id, row.name, row.role, row.active, row.session_epoch)  # type: ignore[attr-defined]


def check_new_user(name: str, role: str, password: str) -> str:
    """Return the cleaned name, or raise a UserError saying what is wrong with the account asked for."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 200 or any(not ch.isprintable() for ch in cleaned):
        raise UserError("a user name must be 1 to 200 printable characters.", "user.bad_name")
    if role not in ROLES:
        raise UserError(f"there is no role '{role}' (roles: {', '.join(ROLES)}).", "user.bad_role", role=role)
    check_password(cleaned, password)
    return cleaned


def check_password(name: str, password: str) -> None:
    """Refuse a password that is short, one character repeated, or contains the user's name."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters.", "user.weak_password")
    squeezed = name.casefold().replace(" ", "")
    if len(set(password)) < 4 or (len(squeezed) >= 3 and squeezed in password.casefold().replace(" ", "")):
        raise UserError(
            "the password is too easy to guess (a repeated character, or the user's name); choose another.",
            "user.weak_password",
        )


def add_user(connection: Connection, actor: str, name: str, role: str, password: str) -> User:
    """Create an account (the password hashed with argon2); audited."""
    cleaned = check_new_user(name, role, password)
    if find_user(connection, cleaned) is not None:
        raise UserError(f"there is already a user '{cleaned}'.", "user.exists", name=cleaned)
    result = connection.execute(
        insert(users).values(
            name=cleaned,
            name_key=name_key(cleaned),
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
    """The account of this name (after collapsing spaces, in any case), or None."""
    row = _named_row(connection, name)
    return _user(row) if row else None


def name_key(name: str) -> str:
    """What makes two names one account: spaces collapsed, casefolded ('ÉMILE' and 'émile')."""
    return " ".join(name.split()).casefold()


def _named_row(connection: Connection, name: str) -> Any:
    """The row of the account of this name: by its exact spelling first, then by its key."""
    cleaned = " ".join(name.split())
    exact = connection.execute(select(users).where(users.c.name == cleaned)).first()
    return exact or connection.execute(select(users).where(users.c.name_key == name_key(cleaned))).first()


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
    row = _named_row(connection, name)
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
    """The app's secret of this name, made (random, 256 bits) the first time it is asked for.

    Worker processes starting together may all make one: the first stored wins and all read it back.
    """
    found = connection.execute(select(app_secrets.c.value).where(app_secrets.c.name == name)).scalar()
    if found is not None:
        return str(found)
    made = {"name": name, "value": secrets.token_urlsafe(32), "created_at": now()}
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql_insert(app_secrets).values(made).on_conflict_do_nothing())
    else:
        connection.execute(sqlite_insert(app_secrets).values(made).on_conflict_do_nothing())
    return str(connection.execute(select(app_secrets.c.value).where(app_secrets.c.name == name)).scalar_one())


def change_user(
    connection: Connection, actor: str, name: str, role: str | None = None, active: bool | None = None
) -> User:
    """Give an account another role, or deactivate or reactivate it; audited. The last active admin stays."""
    user = find_user(connection, name)
    if user is None:
        raise UserError(f"there is no user '{' '.join(name.split())}'.", "user.unknown")
    if role is not None and role not in ROLES:
        raise UserError(f"there is no role '{role}' (roles: {', '.join(ROLES)}).", "user.bad_role", role=role)
    ended = user.active and active is False  # deactivated: the sessions end, and stay ended if reactivated
    after = User(user.id, user.name, role or user.role, user.active if active is None else active, user.epoch + ended)
    if user.role == "admin" and user.active and not after.can("admin") and _active_admins(connection) <= 1:
        raise UserError("this is the last active administrator; make another one first.", "user.last_admin")
    if after == user:
        return user
    changed = {"role": after.role, "active": after.active, "session_epoch": after.epoch}
    connection.execute(update(users).where(users.c.id == user.id).values(changed))
    was = f"{user.role}, {'active' if user.active else 'deactivated'}"
    record(
        connection, actor, "user.changed", {"user": user.name, "role": after.role, "active": after.active, "was": was}
    )
    return after


def set_password(connection: Connection, actor: str, name: str, password: str) -> User:
    """Give an account a new password (an admin's reset); its open sessions end; audited, without the password."""
    user = find_user(connection, name)
    if user is None:
        raise UserError(f"there is no user '{' '.join(name.split())}'.", "user.unknown")
    check_password(user.name, password)
    connection.execute(
        update(users)
        .where(users.c.id == user.id)
        .values(password_hash=_HASHER.hash(password), session_epoch=user.epoch + 1)
    )
    record(connection, actor, "user.password_set", {"user": user.name})
    return User(user.id, user.name, user.role, user.active, user.epoch + 1)


def _active_admins(connection: Connection) -> int:
    """Active admins, their rows locked until commit: two admins demoting each other cannot both pass."""
    where = (users.c.role == "admin") & users.c.active.is_(True)
    return len(connection.execute(select(users.c.id).where(where).with_for_update()).all())


def _failure_keys(connection: Connection, name: str, address: str) -> dict[str, str]:
    """Keyed hashes of the name and the address: what throttling keeps of a failed sign-in."""
    key = app_secret(connection, "throttle").encode()
    plain = {"name": "name:" + " ".join(name.split()).casefold(), "address": "address:" + address}
    return {kind: hmac.new(key, text.encode(), hashlib.sha256).hexdigest() for kind, text in plain.items()}


def recent_failures(connection: Connection, name: str, address: str, since: dt.datetime) -> dict[str, int]:
    """Failed sign-ins since a moment, for the name and for the address."""
    keys = _failure_keys(connection, name, address)
    counted = select(sign_in_failures.c.key_hash, func.count()).where(
        sign_in_failures.c.key_hash.in_(keys.values()), sign_in_failures.c.failed_at >= since
    )
    found: dict[str, int] = {
        str(k): int(n) for k, n in connection.execute(counted.group_by(sign_in_failures.c.key_hash))
    }
    return {kind: int(found.get(digest, 0)) for kind, digest in keys.items()}


def record_failure(connection: Connection, name: str, address: str, before: dt.datetime) -> tuple[int, ...]:
    """Keep one failed (or not yet checked) sign-in; forget those older than `before`; return what was kept."""
    connection.execute(delete(sign_in_failures).where(sign_in_failures.c.failed_at < before))
    at = now()
    kept = []
    for digest in _failure_keys(connection, name, address).values():
        key = connection.execute(insert(sign_in_failures).values(key_hash=digest, failed_at=at)).inserted_primary_key
        assert key is not None
        kept.append(int(key[0]))
    return tuple(kept)


def forget_failures(connection: Connection, name: str, attempt: tuple[int, ...] = ()) -> None:
    """Forget a name's failed sign-ins and this attempt's rows (after a good sign-in); the address's others stay."""
    digest = _failure_keys(connection, name, "")["name"]
    gone = (sign_in_failures.c.key_hash == digest) | sign_in_failures.c.id.in_(attempt)
    connection.execute(delete(sign_in_failures).where(gone))


def serialize_sign_ins(connection: Connection) -> None:
    """Make concurrent sign-in attempts count one after another (SQLite's writers already queue)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(SIGN_IN_LOCK)))
