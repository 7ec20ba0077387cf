"""Versions are compared with the previous readable version of the same template, however they interleave."""

from __future__ import annotations

from types import SimpleNamespace

from conflict_minerals.program.workspace import open_workspace
from conflict_minerals.service.suppliers import _changes
from tests.workspace_fixtures import Program


def _row(number: int, template: str, version: int | None, readable: bool = True) -> SimpleNamespace:
    return SimpleNamespace(id=number, template_type=template, version=version, readable=readable,
                           template_version="6.5")  # fmt: skip


def test_each_template_is_compared_with_its_own_previous_version(program: Program) -> None:
    rows = [  # newest first, as the supplier page reads them
        _row(6, "CMRT", 3),
        _row(5, "CMRT", None, readable=False),  # unreadable: skipped, v3 is compared with v2
        _row(4, "EMRT", 2),
        _row(3, "CMRT", 2),
        _row(2, "EMRT", 1),
        _row(1, "CMRT", 1),
    ]
    workspace = open_workspace(program.root)
    try:
        with workspace.read() as connection:
            found = _changes(connection, rows, {r.id: () for r in rows})
    finally:
        workspace.close()
    assert {key: change.previous for key, change in found.items()} == {3: 1, 4: 1, 6: 2}
    assert all(change.nothing for change in found.values())  # nothing stored for these ids: nothing changed
