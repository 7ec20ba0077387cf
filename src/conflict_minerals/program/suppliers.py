"""First-tier suppliers: add, import from a spreadsheet, find, and link a received CMRT to one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Company
from conflict_minerals.program.audit import now, record
from conflict_minerals.program.schema import inserted_id, supplier_aliases, supplier_contacts, suppliers
from conflict_minerals.smelters.names import name_key

IMPORT_COLUMNS = (
    "name",
    "unique_id",
    "unique_id_authority",
    "contact_name",
    "contact_email",
    "tier",
    "aliases",
    "active",
)
LINK_THRESHOLD = 92.0
SPOOF_MARK = "identity:"  # starts a link reason when a unique ID and the declared name disagree


class SupplierError(ConflictMineralsError):
    """A supplier operation that cannot be done as asked."""


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    """A supplier as stored."""

    id: int
    name: str
    unique_id: str | None
    unique_id_authority: str | None
    tier: int
    active: bool
    aliases: tuple[str, ...] = ()
    contacts: tuple[tuple[str | None, str | None], ...] = ()

    @property
    def emails(self) -> list[str]:
        """Return the contact e-mail addresses."""
        return [email for _, email in self.contacts if email]


@dataclass
class ImportReport:
    """What a supplier import did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    conflicts: int = 0


def add_supplier(
    connection: Connection,
    actor: str,
    name: str,
    unique_id: str | None = None,
    unique_id_authority: str | None = None,
    contact_name: str | None = None,
    contact_email: str | None = None,
    tier: int = 1,
    aliases: Sequence[str] = (),
) -> int:
    """Add a supplier; refuse a name or unique ID that is already taken."""
    name = " ".join(name.split())
    if not name:
        raise SupplierError("a supplier needs a name.")
    if find_supplier(connection, name) is not None:
        raise SupplierError(f"a supplier named '{name}' already exists.")
    if unique_id and _by_unique_id(connection, unique_id) is not None:
        raise SupplierError(f"unique ID {unique_id} already belongs to another supplier.")
    supplier_id = inserted_id(
        connection.execute(
            insert(suppliers).values(
                name=name,
                name_key=name_key(name),
                unique_id=unique_id,
                unique_id_authority=unique_id_authority,
                tier=tier,
                active=True,
                created_at=now(),
            )
        )
    )
    for alias in aliases:
        connection.execute(
            insert(supplier_aliases).values(supplier_id=supplier_id, alias=alias, alias_key=name_key(alias))
        )
    if contact_name or contact_email:
        connection.execute(
            insert(supplier_contacts).values(supplier_id=supplier_id, name=contact_name, email=contact_email)
        )
    record(connection, actor, "supplier.added", {"name": name, "unique_id": unique_id}, supplier_id=supplier_id)
    return int(supplier_id)


def import_suppliers(connection: Connection, actor: str, rows: Sequence[Sequence[object]], source: str) -> ImportReport:
    """Import suppliers from a table whose first non-empty row is the header; re-importing adds nothing twice."""
    report = ImportReport()
    body = [row for row in rows if any(str(cell).strip() for cell in row if cell is not None)]
    if not body:
        report.problems.append(f"{source}: the file is empty.")
        return report
    header = [str(cell or "").strip().lower().replace(" ", "_") for cell in body[0]]
    if "name" not in header:
        report.problems.append(f"{source}: the header row has no 'name' column (columns: {', '.join(IMPORT_COLUMNS)}).")
        return report
    report.unknown_columns = [column for column in header if column and column not in IMPORT_COLUMNS]
    for number, row in enumerate(body[1:], start=2):
        values = {column: _cell(row, index) for index, column in enumerate(header) if column in IMPORT_COLUMNS}
        _import_row(connection, actor, values, number, source, report)
    record(
        connection,
        actor,
        "suppliers.imported",
        {"source": source, "added": len(report.added), "updated": len(report.updated)},
    )
    return report


def _cell(row: Sequence[object], index: int) -> str | None:
    value = row[index] if index < len(row) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text or None


def _import_row(
    connection: Connection, actor: str, values: dict[str, str | None], number: int, source: str, report: ImportReport
) -> None:
    name = values.get("name")
    if not name:
        report.problems.append(f"{source} row {number}: no name; row skipped.")
        return
    tier_text = values.get("tier") or ""
    tier = int(tier_text) if tier_text.isdigit() else 1
    aliases = [a.strip() for a in (values.get("aliases") or "").split(";") if a.strip()]
    unique_id = values.get("unique_id")
    existing = find_supplier(connection, name) or (_by_unique_id(connection, unique_id) if unique_id else None)
    if existing is None:
        add_supplier(
            connection,
            actor,
            name,
            values.get("unique_id"),
            values.get("unique_id_authority"),
            values.get("contact_name"),
            values.get("contact_email"),
            tier,
            aliases,
        )
        report.added.append(name)
        return
    holder = _by_unique_id(connection, unique_id) if unique_id else None
    if holder is not None and holder.id != existing.id:
        report.problems.append(
            f"{source} row {number}: unique ID {unique_id} already belongs to '{holder.name}', not '{existing.name}'; "
            "the row was not applied. Correct the ID in the file, or the supplier it belongs to, and import again."
        )
        report.conflicts += 1
        return
    changed = _update_existing(connection, existing, values, tier, aliases)
    if changed:
        report.updated.append(existing.name)
        record(
            connection, actor, "supplier.updated", {"name": existing.name, "changed": changed}, supplier_id=existing.id
        )


def _update_existing(
    connection: Connection, existing: SupplierRecord, values: dict[str, str | None], tier: int, aliases: list[str]
) -> list[str]:
    """Apply what a re-imported row changes; return the names of what changed (never contact data itself)."""
    changes = {
        key: values[key]
        for key in ("unique_id", "unique_id_authority")
        if values.get(key) and values[key] != getattr(existing, key)
    }
    if tier != existing.tier and values.get("tier"):
        changes["tier"] = tier  # type: ignore[assignment]
    if changes:
        connection.execute(update(suppliers).where(suppliers.c.id == existing.id).values(**changes))
    new_aliases = [alias for alias in aliases if alias not in existing.aliases]
    for alias in new_aliases:
        connection.execute(
            insert(supplier_aliases).values(supplier_id=existing.id, alias=alias, alias_key=name_key(alias))
        )
    contact = (values.get("contact_name"), values.get("contact_email"))
    new_contact = any(contact) and contact not in existing.contacts
    if new_contact:
        connection.execute(insert(supplier_contacts).values(supplier_id=existing.id, name=contact[0], email=contact[1]))
    return [*changes, *(["aliases"] if new_aliases else []), *(["contact"] if new_contact else [])]


def list_suppliers(connection: Connection, active_only: bool = False) -> list[SupplierRecord]:
    """Return every supplier with aliases and contacts, by name."""
    query = select(suppliers).order_by(suppliers.c.name)
    if active_only:
        query = query.where(suppliers.c.active.is_(True))
    return _records(connection, query)


def get_supplier(connection: Connection, supplier_id: int) -> SupplierRecord:
    """Return one supplier by ID."""
    found = _records(connection, select(suppliers).where(suppliers.c.id == supplier_id))
    if not found:
        raise SupplierError(f"there is no supplier number {supplier_id}.", "supplier.unknown", id=supplier_id)
    return found[0]


def _records(connection: Connection, query: Any) -> list[SupplierRecord]:
    rows = connection.execute(query).all()
    ids = [r.id for r in rows]
    aliases: dict[int, list[str]] = {}
    contacts: dict[int, list[tuple[str | None, str | None]]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query_aliases = select(supplier_aliases).where(supplier_aliases.c.supplier_id.in_(chunk))
        for row in connection.execute(query_aliases.order_by(supplier_aliases.c.id)):
            aliases.setdefault(row.supplier_id, []).append(row.alias)
        query_contacts = select(supplier_contacts).where(supplier_contacts.c.supplier_id.in_(chunk))
        for row in connection.execute(query_contacts.order_by(supplier_contacts.c.id)):
            contacts.setdefault(row.supplier_id, []).append((row.name, row.email))
    return [
        SupplierRecord(
            r.id,
            r.name,
            r.unique_id,
            r.unique_id_authority,
            r.tier,
            r.active,
            tuple(aliases.get(r.id, ())),
            tuple(contacts.get(r.id, ())),
        )
        for r in rows
    ]


def _spaced(text: str) -> str:
    return " ".join(text.split()).casefold()


def find_supplier(connection: Connection, text: str) -> SupplierRecord | None:
    """Find a supplier by exact name, alias or unique ID, ignoring case and spacing (by index, not by scan)."""
    wanted, key = _spaced(text), name_key(text)
    by_name = select(suppliers.c.id, suppliers.c.name).where(suppliers.c.name_key == key)
    by_alias = select(supplier_aliases.c.supplier_id, supplier_aliases.c.alias).where(
        supplier_aliases.c.alias_key == key
    )
    for supplier_id, name in [*connection.execute(by_name), *connection.execute(by_alias)]:
        if _spaced(name) == wanted:
            return get_supplier(connection, supplier_id)
    return _by_unique_id(connection, text)


def _by_unique_id(connection: Connection, unique_id: str) -> SupplierRecord | None:
    wanted = unique_id.strip()
    if not wanted:
        return None
    found = connection.execute(
        # Unique IDs are digits or upper-case codes: exact variants keep the look-up on the index.
        select(suppliers.c.id)
        .where(suppliers.c.unique_id.in_({wanted, wanted.lower(), wanted.upper()}))
        .order_by(suppliers.c.id)
    ).first()
    return get_supplier(connection, found.id) if found else None


SupplierRef = tuple[int, str]  # (id, name)


@dataclass(frozen=True, slots=True)
class SupplierDirectory:
    """Every supplier's names and unique IDs, loaded once to link many received files."""

    by_unique_id: dict[str, SupplierRef]
    by_key: dict[str, SupplierRef]
    keys: tuple[str, ...]
    owners: tuple[SupplierRef, ...]
    names_by_id: dict[int, list[str]]
    ambiguous: frozenset[str]

    @classmethod
    def load(cls, connection: Connection) -> SupplierDirectory:
        """Read the directory with two queries."""
        by_id: dict[int, SupplierRef] = {}
        by_unique_id: dict[str, SupplierRef] = {}
        names: list[tuple[str, SupplierRef]] = []
        for row in connection.execute(select(suppliers.c.id, suppliers.c.name, suppliers.c.unique_id)):
            ref = by_id[row.id] = (row.id, row.name)
            if row.unique_id:
                by_unique_id.setdefault(row.unique_id.strip().lower(), ref)
            names.append((name_key(row.name), ref))
        for supplier_id, alias in connection.execute(select(supplier_aliases.c.supplier_id, supplier_aliases.c.alias)):
            if supplier_id in by_id:
                names.append((name_key(alias), by_id[supplier_id]))
        by_key: dict[str, SupplierRef] = {}
        names_by_id: dict[int, list[str]] = {}
        ambiguous: set[str] = set()
        for key, ref in names:
            if by_key.setdefault(key, ref) != ref:
                ambiguous.add(key)  # two suppliers share a name once normalised: never guess between them
            names_by_id.setdefault(ref[0], []).append(key)
        keys, owners = tuple(k for k, _ in names), tuple(r for _, r in names)
        return cls(by_unique_id, by_key, keys, owners, names_by_id, frozenset(ambiguous))

    def names_of(self, ref: SupplierRef) -> list[str]:
        """The name keys a supplier is known by (its name and aliases)."""
        return self.names_by_id.get(ref[0], [])

    def link(self, connection: Connection, company: Company) -> tuple[SupplierRef | None, str]:
        """Decide which supplier sent a CMRT: by unique ID, then name or alias; unsure means unassigned.

        A unique ID is trusted only when the declared name agrees with the supplier of record:
        another company's name with a supplier's DUNS waits for a person to assign it.
        """
        if company.unique_id and (found := self.by_unique_id.get(company.unique_id.strip().lower())):
            if not company.name:
                return None, (
                    f"{SPOOF_MARK} unique ID {company.unique_id} belongs to '{found[1]}', but the CMRT names no "
                    "company; assign it to confirm"
                )
            if not self._agrees(found, company.name):
                return None, (
                    f"{SPOOF_MARK} unique ID {company.unique_id} belongs to '{found[1]}', but the CMRT names "
                    f"'{company.name}'; assign it to confirm"
                )
            return found, f"unique ID {company.unique_id}"
        if not company.name:
            return None, "the CMRT names no company"
        key = name_key(company.name)
        if key in self.ambiguous:
            return None, f"several suppliers are called '{company.name}'; assign it to the right one"
        if key in self.by_key:
            return self.by_key[key], f"name '{company.name}'"
        best = process.extractOne(key, self.keys, scorer=fuzz.token_sort_ratio, score_cutoff=LINK_THRESHOLD)
        if best is not None:
            return None, f"'{company.name}' resembles supplier '{self.owners[best[2]][1]}'; assign it to confirm"
        return None, f"no supplier named '{company.name}'"

    def _agrees(self, ref: SupplierRef, declared: str) -> bool:
        key = name_key(declared)
        known = self.names_of(ref)
        return key in known or any(fuzz.token_sort_ratio(key, name) >= LINK_THRESHOLD for name in known)


def set_active(connection: Connection, actor: str, supplier: SupplierRecord, active: bool, reason: str) -> None:
    """Mark a supplier active or inactive (inactive suppliers get no request in new campaigns)."""
    connection.execute(update(suppliers).where(suppliers.c.id == supplier.id).values(active=active))
    kind = "supplier.activated" if active else "supplier.deactivated"
    record(connection, actor, kind, {"name": supplier.name}, reason, supplier_id=supplier.id)
