"""The program's change counter: bumped in every write transaction, read to tell whether anything changed."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, insert, select, update

from conflict_minerals.program.schema import changes

PROGRAM = "program"


def first_count() -> int:
    """Where a database's counter starts: random, so that two databases' counters never read the same."""
    return secrets.randbits(52)


def bump(connection: Connection) -> None:
    """Count one change, in the caller's transaction (seen by others exactly when the change is)."""
    moved = connection.execute(
        update(changes).where(changes.c.name == PROGRAM).values(counter=changes.c.counter + 1)
    ).rowcount
    if not moved:  # a database made from the tables rather than the migrations
        connection.execute(insert(changes).values(name=PROGRAM, counter=first_count()))


def current(connection: Connection) -> int:
    """The counter as this transaction sees it (0 before the first change)."""
    return int(connection.execute(select(changes.c.counter).where(changes.c.name == PROGRAM)).scalar() or 0)
