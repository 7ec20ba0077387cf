"""Worker processes: a reader process that dies costs only the file it was reading."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from conflict_minerals.cmrt.writer import write_cmrt
from conflict_minerals.program.prepare import Prepared, Preparer, ReviewSetup, prepare_in_worker
from conflict_minerals.reference.smelter_reference import ReferenceRevision
from conflict_minerals.reference.snapshot import bundled_snapshot
from tests.conftest import declaration


def crash_on_bomb(name: str, data: bytes) -> Prepared:
    """A worker that dies on one file, as an out-of-memory kill would."""
    if name == "bomb.xlsx":
        os._exit(9)
    return prepare_in_worker(name, data)


class CrashingPreparer(Preparer):
    work = staticmethod(crash_on_bomb)


def test_a_dead_worker_costs_only_its_file(tmp_path: Path) -> None:
    snapshot = bundled_snapshot()
    setup = ReviewSetup(
        (ReferenceRevision(snapshot.revision, snapshot.list_date, snapshot.entries),),
        snapshot.revision,
        frozenset(),
        2025,
        False,
        dt.date(2026, 1, 15),
    )
    good = tmp_path / "good.xlsx"
    write_cmrt(good, declaration(), snapshot.entries)
    data = good.read_bytes()
    names = ["a.xlsx", "b.xlsx", "bomb.xlsx", "c.xlsx", "d.xlsx", "e.xlsx"]
    done: list[tuple[object, Prepared]] = []
    with CrashingPreparer(setup, 2) as preparer:
        for name in names:
            done += preparer.submit(name, name, data)
        done += preparer.drain()
    assert [token for token, _ in done] == names
    results = {token: prepared for token, prepared in done}
    assert results["bomb.xlsx"].document is None and "stopped" in (results["bomb.xlsx"].error or "")
    assert all(results[name].document is not None for name in names if name != "bomb.xlsx")
