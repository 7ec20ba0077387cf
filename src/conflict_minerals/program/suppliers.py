"""First-tier suppliers: add, import from a spreadsheet, find, and link a received CMRT to one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, insert, select, update

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.model import Company
from conflict_minerals.neutral import input_text
from conflict_minerals.program.addresses import normal_language, valid_email, valid_language
from conflict_minerals.program.audit import now, record, record_many
from conflict_minerals.program.schema import bulk_insert, inserted_id, supplier_aliases, supplier_contacts, suppliers
from conflict_minerals.program.supplier_table import HEADER_HINT, find_header
from conflict_minerals.smelters.names import name_key

IMPORT_COLUMNS = (
    "name",
    "unique_id",
    "unique_id_authority",
    "contact_name",
    "contact_email",
    "tier",
    "aliases",
    "language",
    "active",
)
LINK_THRESHOLD = 92.0


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
    language: str | None = None  # the language letters are written in, when a translation exists

    @property
    def emails(self) -> list[str]:
        """Return the contact e-mail addresses that are plain addresses (anything else stored earlier is left out)."""
        return [email for _, email in self.contacts if email and valid_email(email)]


@dataclass
class ImportReport:
    """What a supplier import did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    conflicts: int = 0
    unchanged: int = 0  # rows that named a known supplier and changed nothing

    @property
    def usable(self) -> bool:
        """Tell whether any row was read as a supplier (new, updated or already known)."""
        return bool(self.added or self.updated or self.unchanged)


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
    language: str | None = None,
) -> int:
    """Add a supplier; refuse a name or unique ID that is already taken."""
    name = input_text(name)[:300]
    if not name:
        raise SupplierError("a supplier needs a name.")
    contact_email = (contact_email or "").strip() or None
    if contact_email and not valid_email(contact_email):
        raise SupplierError("the contact e-mail is not one plain e-mail address (name@domain.tld).", "supplier.email")
    unique_id = input_text(unique_id)[:100] or None
    contact_name = input_text(contact_name)[:200] or None
    aliases = [a for a in (input_text(alias)[:300] for alias in aliases) if a]
    if language and not valid_language(language):
        raise SupplierError(f"'{language}' is not a language code (such as de or pt-BR).", "supplier.language")
    language = normal_language(language) if language else None
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
                language=language,
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
    """Import suppliers from a table whose first non-empty row is the header; re-importing adds nothing twice.

    Linear in rows: the existing suppliers are read once and new ones inserted in bulk.
    """
    report = ImportReport()
    numbered = [(n, row) for n, row in enumerate(rows, 1) if any(str(c).strip() for c in row if c is not None)]
    if not numbered:
        raise SupplierError(f"{source}: the file is empty.", "supplier.import_empty")
    header = find_header([row for _, row in numbered])
    if header is None:
        raise SupplierError(f"{source}: none of its first rows is {HEADER_HINT}.", "supplier.import_header")
    report.unknown_columns = list(header.unknown)
    batch = _ImportBatch(connection, actor, source, report)
    for number, row in numbered[header.row + 1 :]:  # the row numbers of the file, blank rows counted
        values = {column: _cell(row, index) for index, column in enumerate(header.columns) if column}
        if header.duns and values.get("unique_id") and not values.get("unique_id_authority"):
            values["unique_id_authority"] = "DUNS"
        batch.take(_checked(values, source, number, report), number)
    batch.insert_new()
    if not report.usable and not report.conflicts:  # raised inside the transaction: nothing is kept
        first = f" (first problem: {report.problems[0]})" if report.problems else ""
        raise SupplierError(f"{source}: no row could be read as a supplier{first}; nothing was imported.")
    record(
        connection,
        actor,
        "suppliers.imported",
        {"source": source, "added": len(report.added), "updated": len(report.updated)},
    )
    return report


def _checked(values: dict[str, str | None], source: str, number: int, report: ImportReport) -> dict[str, str | None]:
    """Drop an e-mail or language that is not one, saying so; the rest of the row is kept."""
    for key in ("name", "unique_id", "unique_id_authority", "contact_name", "aliases", "tier"):
        if values.get(key):
            values[key] = input_text(values[key])[:300] or None
    email, language = (values.get("contact_email") or "").strip(), values.get("language")
    values["contact_email"] = email or None
    if email and not valid_email(email):
        report.problems.append(
            f"{source} row {number}: the contact e-mail is not an e-mail address; row kept without it."
        )
        values["contact_email"] = None
    if language and not valid_language(language):
        report.problems.append(f"{source} row {number}: the language is not a language code (de, pt-BR); ignored.")
        values["language"] = None
    elif language:
        values["language"] = normal_language(language)
    return values


def _cell(row: Sequence[object], index: int) -> str | None:
    value = row[index] if index < len(row) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text or None


class _ImportBatch:
    """One import: the existing suppliers in memory, the new ones collected for a bulk insert."""

    def __init__(self, connection: Connection, actor: str, source: str, report: ImportReport) -> None:
        self.connection, self.actor, self.source, self.report = connection, actor, source, report
        self.existing = {r.id: r for r in _records(connection, select(suppliers))}
        self.by_name: dict[str, int] = {}
        self.by_uid: dict[str, int] = {}
        for record_ in self.existing.values():
            for name in (record_.name, *record_.aliases):
                self.by_name.setdefault(_spaced(name), record_.id)
            if record_.unique_id:
                self.by_uid.setdefault(record_.unique_id.strip().lower(), record_.id)
        self.new: dict[str, dict[str, Any]] = {}  # spaced name -> the new supplier's values
        self.new_uids: set[str] = set()

    def take(self, values: dict[str, str | None], number: int) -> None:
        """Apply one row: a new supplier, an update, or a reported conflict."""
        name = " ".join((values.get("name") or "").split())
        if not name:
            self.report.problems.append(f"{self.source} row {number}: no name; row skipped.")
            return
        tier_text = values.get("tier") or ""
        tier = int(tier_text) if tier_text.isdigit() else 1
        aliases = [a.strip() for a in (values.get("aliases") or "").split(";") if a.strip()]
        uid = (values.get("unique_id") or "").strip().lower()
        found = self.by_name.get(_spaced(name))
        holder = self.by_uid.get(uid) if uid else None
        if found is None and holder is not None:  # an ID never silently merges two companies
            self.report.problems.append(
                f"{self.source} row {number}: unique ID {values.get('unique_id')} already belongs to "
                f"'{self.existing[holder].name}', not '{name}'; the row was not applied. If '{name}' is that "
                "supplier's new or other name, list it in the aliases column; otherwise correct the ID."
            )
            self.report.conflicts += 1
            return
        if found is None:
            if _spaced(name) in self.new or (uid and uid in self.new_uids):
                self.report.problems.append(f"{self.source} row {number}: '{name}' is listed twice; row skipped.")
                return
            self.new[_spaced(name)] = {"name": name, "values": values, "tier": tier, "aliases": aliases, "uid": uid}
            if uid:
                self.new_uids.add(uid)
            return
        existing = self.existing[found]
        holder = self.by_uid.get(uid) if uid else None
        if uid and uid in self.new_uids:
            self.report.problems.append(
                f"{self.source} row {number}: unique ID {values.get('unique_id')} is also given to a new supplier "
                f"in this file; '{existing.name}' was not changed. Correct the ID in the file and import again."
            )
            self.report.conflicts += 1
            return
        if holder is not None and holder != existing.id:
            self.report.problems.append(
                f"{self.source} row {number}: unique ID {values.get('unique_id')} already belongs to "
                f"'{self.existing[holder].name}', not '{existing.name}'; the row was not applied. Correct the ID in "
                "the file, or the supplier it belongs to, and import again."
            )
            self.report.conflicts += 1
            return
        changed = _update_existing(self.connection, existing, values, tier, aliases)
        if uid:
            self.by_uid[uid] = existing.id  # a later row cannot take the same ID
        if not changed:
            self.report.unchanged += 1
        if changed:
            self.report.updated.append(existing.name)
            record(
                self.connection,
                self.actor,
                "supplier.updated",
                {"name": existing.name, "changed": changed},
                supplier_id=existing.id,
            )

    def insert_new(self) -> None:
        """Insert the new suppliers, their aliases, contacts and audit events in bulk."""
        if not self.new:
            return
        at = now()
        items = list(self.new.values())
        result = self.connection.execute(
            insert(suppliers).returning(suppliers.c.id, sort_by_parameter_order=True),
            [
                {
                    "name": item["name"],
                    "name_key": name_key(item["name"]),
                    "unique_id": item["values"].get("unique_id"),
                    "unique_id_authority": item["values"].get("unique_id_authority"),
                    "tier": item["tier"],
                    "active": True,
                    "created_at": at,
                    "language": item["values"].get("language"),
                }
                for item in items
            ],
        )
        ids = [row[0] for row in result]
        aliases = [
            {"supplier_id": sid, "alias": alias, "alias_key": name_key(alias)}
            for sid, item in zip(ids, items, strict=True)
            for alias in item["aliases"]
        ]
        contacts = [
            {
                "supplier_id": sid,
                "name": item["values"].get("contact_name"),
                "email": item["values"].get("contact_email"),
            }
            for sid, item in zip(ids, items, strict=True)
            if item["values"].get("contact_name") or item["values"].get("contact_email")
        ]
        bulk_insert(self.connection, supplier_aliases, aliases)
        bulk_insert(self.connection, supplier_contacts, contacts)
        added = [
            ({"name": item["name"], "unique_id": item["values"].get("unique_id")}, sid)
            for sid, item in zip(ids, items, strict=True)
        ]
        record_many(self.connection, self.actor, "supplier.added", added)
        self.report.added += [item["name"] for item in items]


def _update_existing(
    connection: Connection, existing: SupplierRecord, values: dict[str, str | None], tier: int, aliases: list[str]
) -> list[str]:
    """Apply what a re-imported row changes; return the names of what changed (never contact data itself)."""
    changes = {
        key: values[key]
        for key in ("unique_id", "unique_id_authority", "language")
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
            r.language,
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


def require_supplier(connection: Connection, name: str) -> SupplierRecord:
    """Find a supplier by name, alias or unique ID; a typed error when there is none."""
    found = find_supplier(connection, name)
    if found is None:
        near = similar_suppliers(connection, name)
        hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
        raise SupplierError(f"there is no supplier '{name}'{hint}.", "supplier.unknown", name=name)
    return found


def similar_suppliers(connection: Connection, name: str, limit: int = 3) -> list[str]:
    """Supplier names (or the suppliers of aliases) close to a name typed: 'summit' -> 'Summit Magnetics Inc.'."""
    from rapidfuzz import fuzz, process

    names = {row.name: row.name for row in connection.execute(select(suppliers.c.name))}
    aliases = select(supplier_aliases.c.alias, suppliers.c.name).join(
        suppliers, suppliers.c.id == supplier_aliases.c.supplier_id
    )
    names |= {row.alias: row.name for row in connection.execute(aliases)}
    wanted = " ".join(name.split()).casefold()
    ranked = process.extract(wanted, {k: k.casefold() for k in names}, scorer=fuzz.WRatio, limit=limit * 3)
    found: list[str] = []
    for _, score, key in ranked:
        if score >= 75 and names[key] not in found:
            found.append(names[key])
    return found[:limit]


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
class Link:
    """Which supplier sent a CMRT (none: unsure, it waits for assignment), and how that was decided."""

    supplier: SupplierRef | None
    how: str
    identity_conflict: bool = False  # a supplier's unique ID under another (or no) company name


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

    def link(self, company: Company) -> Link:
        """Decide which supplier sent a CMRT: by unique ID, then name or alias; unsure means unassigned.

        A unique ID is trusted only when the declared name agrees with the supplier of record:
        another company's name with a supplier's DUNS waits for a person to assign it.
        """
        if company.unique_id and (found := self.by_unique_id.get(company.unique_id.strip().lower())):
            if not company.name or not self.agrees(found, company.name):
                declared = f"'{company.name}'" if company.name else "no company"
                how = f"unique ID {company.unique_id} belongs to '{found[1]}', but the CMRT names {declared}"
                return Link(None, f"{how}; assign it to confirm", identity_conflict=True)
            return Link(found, f"unique ID {company.unique_id}")
        if not company.name:
            return Link(None, "the CMRT names no company")
        key = name_key(company.name)
        if key in self.ambiguous:
            return Link(None, f"several suppliers are called '{company.name}'; assign it to the right one")
        if key in self.by_key:
            return Link(self.by_key[key], f"name '{company.name}'")
        best = process.extractOne(key, self.keys, scorer=fuzz.token_sort_ratio, score_cutoff=LINK_THRESHOLD)
        if best is not None:
            resembles = self.owners[best[2]][1]
            return Link(None, f"'{company.name}' resembles supplier '{resembles}'; assign it to confirm")
        return Link(None, f"no supplier named '{company.name}'")

    def agrees(self, ref: SupplierRef, declared: str) -> bool:
        """Tell whether a declared company name is the supplier's name or alias (or close to one)."""
        key = name_key(declared)
        known = self.names_of(ref)
        return key in known or any(fuzz.token_sort_ratio(key, name) >= LINK_THRESHOLD for name in known)


def set_active(connection: Connection, actor: str, supplier: SupplierRecord, active: bool, reason: str) -> None:
    """Mark a supplier active or inactive (inactive suppliers get no request in new campaigns)."""
    connection.execute(update(suppliers).where(suppliers.c.id == supplier.id).values(active=active))
    kind = "supplier.activated" if active else "supplier.deactivated"
    record(connection, actor, kind, {"name": supplier.name}, reason, supplier_id=supplier.id)
