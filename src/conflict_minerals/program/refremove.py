"""Imported reference data listed with numbers, and a wrong import removed (audited).

Only what an operator imported can be removed: look-up revisions, status lists, CAHRA lists and
trusted templates. The revisions bundled with the package stay. Report runs already stored keep
the figures they computed; `report explain` then says the data changed since.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.audit import record
from conflict_minerals.program.schema import (
    cahra_lists,
    reference_entries,
    reference_revisions,
    status_entries,
    status_lists,
    trusted_templates,
)

KINDS = ("lookup", "status", "cahra", "template")


class ReferenceRemovalError(ConflictMineralsError):
    """A reference import that cannot be removed as asked."""

    default_code = "reference.remove"


@dataclass(frozen=True, slots=True)
class ImportedItem:
    """One imported piece of reference data: its kind, number and what it is."""

    kind: str
    id: int
    description: str

    def as_json(self) -> dict[str, object]:
        """The item as `refdata list --json` prints it."""
        return {"kind": self.kind, "id": self.id, "description": self.description}


def imported_items(connection: Connection) -> list[ImportedItem]:
    """Every imported item, by kind then number."""
    covers: dict[int, list[str]] = {}
    pairs = select(reference_entries.c.revision_id, reference_entries.c.metal).distinct()
    for revision_id, metal in connection.execute(pairs.order_by(reference_entries.c.metal)):
        covers.setdefault(revision_id, []).append(metal)
    found = [
        ImportedItem("lookup", r.id, f"{r.label} ({r.source}){_minerals(covers.get(r.id, []))}")
        for r in connection.execute(select(reference_revisions).order_by(reference_revisions.c.id))
    ]
    counts: dict[int, int] = dict(
        connection.execute(select(status_entries.c.list_id, func.count()).group_by(status_entries.c.list_id)).all()
    )
    found += [
        ImportedItem(
            "status",
            r.id,
            f"{r.as_of.isoformat()} {r.list_kind or 'full list'}, {counts.get(r.id, 0)} facilities ({r.source})",
        )
        for r in connection.execute(select(status_lists).order_by(status_lists.c.id))
    ]
    found += [
        ImportedItem("cahra", r.id, f"{r.source}, imported {r.imported_at:%Y-%m-%d}")
        for r in connection.execute(select(cahra_lists).order_by(cahra_lists.c.id))
    ]
    query = select(trusted_templates.c.id, trusted_templates.c.template_type, trusted_templates.c.version)
    found += [
        ImportedItem("template", r.id, f"{r.template_type} {r.version}")
        for r in connection.execute(query.add_columns(trusted_templates.c.file_name).order_by(trusted_templates.c.id))
    ]
    return found


def _minerals(names: list[str]) -> str:
    """': Cobalt, Mica' for a look-up of other minerals; nothing for a 3TG one (as before)."""
    return f": {', '.join(names)}" if names and not {"Gold", "Tantalum", "Tin", "Tungsten"} & set(names) else ""


def remove_item(connection: Connection, actor: str, kind: str, item_id: int, reason: str) -> ImportedItem:
    """Remove one imported item and its rows; audited with what it was and why."""
    if not reason.strip():
        raise ReferenceRemovalError("removing reference data needs a reason.")
    item = next((i for i in imported_items(connection) if (i.kind, i.id) == (kind, item_id)), None)
    if item is None:
        raise ReferenceRemovalError(
            f"there is no imported {kind} number {item_id}; `conflict-minerals refdata list` shows the numbers."
        )
    if kind == "lookup":
        connection.execute(delete(reference_entries).where(reference_entries.c.revision_id == item_id))
    elif kind == "status":
        connection.execute(delete(status_entries).where(status_entries.c.list_id == item_id))
    parent = {
        "lookup": reference_revisions,
        "status": status_lists,
        "cahra": cahra_lists,
        "template": trusted_templates,
    }
    connection.execute(delete(parent[kind]).where(parent[kind].c.id == item_id))
    record(connection, actor, "reference.removed", {"kind": kind, "id": item_id, "was": item.description}, reason)
    return item
