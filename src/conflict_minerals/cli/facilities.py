"""CLI commands of the facility master: `smelters review`, `resolve`, `decisions`, `withdraw`."""

from __future__ import annotations

import click

from conflict_minerals.cli.common import RECORD_ID, echo_json, fail, workspace
from conflict_minerals.cmrt.values import parse_metal
from conflict_minerals.model import Metal
from conflict_minerals.neutral import terminal_text
from conflict_minerals.program.facilities import CONFIRM, EXCLUDE, EXCLUSIONS, MAP, DecisionRequest


@click.command("review")
@click.option("--campaign", "year", type=int, help="Campaign year (default: the latest open one).")
@click.option("--json", "as_json", is_flag=True, help="Print the names as JSON only.")
def review_names(year: int | None, as_json: bool) -> None:
    """List the names suppliers gave that match no single facility, with candidates, for a reviewer to decide."""
    from conflict_minerals.service.facilities import names_to_decide

    with workspace() as ws:
        year, names = names_to_decide(ws, year)
    if as_json:
        echo_json({"campaign": year, "names": [n.as_json() for n in names]})
        return
    if not names:
        click.echo(f"Campaign {year}: every facility name is identified or decided.")
        return
    click.echo(f"Campaign {year}: {len(names)} name(s) await a decision; they are not in the Annex or the figures.")
    for item in names:
        where = f", {item.country}" if item.country else ""
        metal = item.metal.value if item.metal else "?"
        suppliers = ", ".join(item.suppliers)
        click.echo(f"  {metal:<8} {terminal_text(item.name)}{terminal_text(where)}  ({item.rows} row(s): {suppliers})")
        for c in item.candidates:
            click.echo(f"      candidate {c.smelter_id}  {c.name} ({c.country})  score {c.score:.0f}")
        if not item.candidates:
            click.echo(f"      {terminal_text(item.reason)}")
    how = "--map ID | --confirm | --exclude WHY"
    click.echo(f"Decide with `conflict-minerals smelters resolve NAME --metal M [--country C] {how} --reason TEXT`.")


@click.command("resolve")
@click.argument("name")
@click.option("--metal", help="Gold, Tin, Tantalum or Tungsten (needed for a name).")
@click.option("--country", help="The country suppliers gave with the name, if any.")
@click.option("--map", "smelter_id", help="The name is this Smelter ID.")
@click.option("--confirm", is_flag=True, help="The name is a real smelter or refiner not on RMI's list.")
@click.option("--exclude", type=click.Choice(sorted(EXCLUSIONS)), help="Leave the name (or a Smelter ID) out.")
@click.option("--reason", required=True, help="Why (kept in the audit trail and the working papers).")
@click.option("--campaign", "year", type=int, help="Applies from this campaign year on (default: the latest open).")
@click.option("--ahead", is_flag=True, help="Decide on a name no supplier has given yet.")
def resolve(
    name: str,
    metal: str | None,
    country: str | None,
    smelter_id: str | None,
    confirm: bool,
    exclude: str | None,
    reason: str,
    year: int | None,
    ahead: bool,
) -> None:
    """Decide what a name is: map it to a Smelter ID, confirm it, or exclude it; applies to every row with it."""
    from conflict_minerals.service.facilities import resolve_name

    chosen = [a for a, given in ((MAP, smelter_id), (CONFIRM, confirm), (EXCLUDE, exclude)) if given]
    if len(chosen) != 1:
        fail("give exactly one of --map SMELTER_ID, --confirm or --exclude REASON.")
    parsed: Metal | None = parse_metal(metal) if metal else None
    if metal and parsed is None:
        fail(f"unknown metal '{metal}'; use Gold, Tin, Tantalum or Tungsten.")
    asked = DecisionRequest(name, parsed, country, chosen[0], reason, smelter_id, exclude, ahead)
    with workspace() as ws:
        decision = resolve_name(ws, ws.actor, asked, year)
    click.echo(
        f"Decision {decision.id}: '{terminal_text(decision.name)}' {decision.describe()}, from campaign "
        f"{decision.from_year} on."
    )


@click.command("decisions")
@click.option("--json", "as_json", is_flag=True, help="Print the decisions as JSON only.")
def decisions(as_json: bool) -> None:
    """List the facility decisions in force: what was decided, by whom, when and why."""
    from conflict_minerals.service.facilities import facility_decisions

    with workspace() as ws:
        found = facility_decisions(ws)
    if as_json:
        echo_json({"decisions": [d.as_json() for d in found]})
        return
    if not found:
        click.echo("No facility decisions yet.")
    for d in found:
        what = f"{d.metal.value if d.metal else ''} {d.name}" + (f", {d.country}" if d.country else "")
        click.echo(f"  {d.id:>4}  {terminal_text(what.strip())}: {d.describe()} (from {d.from_year})")
        click.echo(f"        {d.actor}, {d.decided_at:%Y-%m-%d}: {terminal_text(d.reason)}")


@click.command("withdraw")
@click.argument("decision_id", type=RECORD_ID)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def withdraw(decision_id: int, reason: str) -> None:
    """Withdraw a facility decision: its rows go back to what matching made of them."""
    from conflict_minerals.service.facilities import withdraw_decision

    with workspace() as ws:
        decision = withdraw_decision(ws, ws.actor, decision_id, reason)
    click.echo(f"Decision {decision.id} on '{terminal_text(decision.name)}' withdrawn.")
