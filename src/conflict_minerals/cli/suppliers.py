"""CLI commands for the first-tier suppliers: add, import, list, deactivate, activate."""

from __future__ import annotations

from pathlib import Path

import click

from conflict_minerals.cli.common import EXIT_FINDINGS, echo_json, workspace
from conflict_minerals.neutral import terminal_text


@click.group()
def suppliers() -> None:
    """First-tier suppliers: add, import, list."""


@suppliers.command("add")
@click.argument("name")
@click.option("--unique-id", help="e.g. DUNS number.")
@click.option("--authority", help="Who issued the unique ID (e.g. DUNS).")
@click.option("--contact", help="Contact person.")
@click.option("--email", help="Contact e-mail.")
@click.option("--tier", type=int, default=1, show_default=True)
@click.option("--alias", "aliases", multiple=True, help="Another name the supplier uses (repeatable).")
@click.option("--language", help="Language of the letters (de, fr, pt-BR, …) when the workspace has a translation.")
def suppliers_add(
    name: str,
    unique_id: str | None,
    authority: str | None,
    contact: str | None,
    email: str | None,
    tier: int,
    aliases: tuple[str, ...],
    language: str | None,
) -> None:
    """Add one supplier."""
    from conflict_minerals.service.program import add_supplier

    with workspace() as ws:
        add_supplier(
            ws,
            ws.actor,
            name,
            unique_id=unique_id,
            unique_id_authority=authority,
            contact_name=contact,
            contact_email=email,
            tier=tier,
            aliases=aliases,
            language=language,
        )
    click.echo(terminal_text(f"Added supplier '{name}'."))


@suppliers.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def suppliers_import(file: Path) -> None:
    """Import suppliers from CSV (any delimiter, UTF-8/16 or a legacy code page) or XLSX, as ERP systems export them.

    The header row may sit under a title. Columns, by any usual heading: name (Supplier Name, Vendor Name, …),
    unique_id (DUNS, Vendor ID, …), unique_id_authority, contact_name, contact_email, tier, aliases (;-separated),
    language.
    """
    from conflict_minerals.service.program import import_suppliers

    with workspace() as ws:
        report = import_suppliers(ws, ws.actor, file)
    for problem in report.problems:
        click.echo(terminal_text(f"warning: {problem}"), err=True)
    if report.unknown_columns:
        click.echo(terminal_text(f"warning: unknown columns ignored: {', '.join(report.unknown_columns)}"), err=True)
    conflicts = f", {report.conflicts} not applied (ID conflicts)" if report.conflicts else ""
    click.echo(f"{file}: {len(report.added)} added, {len(report.updated)} updated{conflicts}.")
    if report.conflicts:
        raise SystemExit(EXIT_FINDINGS)


@suppliers.command("deactivate")
@click.argument("name")
@click.option("--reason", required=True, help="Why (kept in the audit trail), e.g. 'no longer a supplier'.")
def suppliers_deactivate(name: str, reason: str) -> None:
    """Stop surveying a supplier from the next campaign on (its history stays)."""
    from conflict_minerals.service.program import set_supplier_active

    with workspace() as ws:
        set_supplier_active(ws, ws.actor, name, False, reason)
    click.echo(terminal_text(f"Supplier '{name}' is inactive."))


@suppliers.command("activate")
@click.argument("name")
@click.option("--reason", required=True)
def suppliers_activate(name: str, reason: str) -> None:
    """Survey a supplier again."""
    from conflict_minerals.service.program import set_supplier_active

    with workspace() as ws:
        set_supplier_active(ws, ws.actor, name, True, reason)
    click.echo(terminal_text(f"Supplier '{name}' is active."))


@suppliers.command("list")
@click.option("--json", "as_json", is_flag=True)
def suppliers_list(as_json: bool) -> None:
    """List suppliers."""
    from conflict_minerals.service.program import all_suppliers

    with workspace() as ws:
        found = all_suppliers(ws)
    if as_json:
        echo_json(
            [
                {
                    "name": s.name,
                    "unique_id": s.unique_id,
                    "unique_id_authority": s.unique_id_authority,
                    "tier": s.tier,
                    "active": s.active,
                    "aliases": list(s.aliases),
                    "contacts": len(s.contacts),
                    "with_email": bool(s.emails),
                    "language": s.language,
                }
                for s in found
            ]
        )
        return
    for supplier in found:
        click.echo(
            terminal_text(
                f"{supplier.name:<45} {supplier.unique_id or '-':<14} tier {supplier.tier}  "
                f"{len(supplier.contacts)} contact(s)"
            )
        )
