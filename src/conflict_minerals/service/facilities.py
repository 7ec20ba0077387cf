"""The facility master as the CLI and the web use it: names to decide, decisions taken, withdrawn."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from conflict_minerals.model import Metal
from conflict_minerals.program.campaign import Campaign, require_campaign
from conflict_minerals.program.facilities import (
    DecisionRequest,
    FacilityDecision,
    FacilityDecisionError,
    decide,
    decision_list,
    name_facility_key,
    standing_decisions,
    withdraw,
    workspace_rulings,
)
from conflict_minerals.program.reprocess import recheck
from conflict_minerals.program.schema import requests, smelter_rows
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import gather
from conflict_minerals.smelters.consolidate import Consolidation, RowOutcome, RowSource
from conflict_minerals.smelters.matching import Candidate, Matcher


@dataclass(frozen=True, slots=True)
class NameToDecide:
    """A name suppliers gave that matches no single facility: who gave it, and what it could be."""

    metal: Metal | None
    name: str
    country: str | None
    reason: str
    suppliers: tuple[str, ...]
    rows: int
    candidates: tuple[Candidate, ...]
    sources: tuple[RowSource, ...] = ()  # the supplier files and Smelter List rows that give the name

    def as_json(self) -> dict[str, object]:
        """The name as `smelters review --json` prints it."""
        return {
            "metal": self.metal.value if self.metal else None,
            "name": self.name,
            "country": self.country,
            "reason": self.reason,
            "suppliers": list(self.suppliers),
            "rows": self.rows,
            "candidates": [
                {"smelter_id": c.smelter_id, "name": c.name, "country": c.country, "score": c.score}
                for c in self.candidates
            ],
        }


def names_to_decide(workspace: Workspace, year: int | None = None) -> tuple[int, list[NameToDecide]]:
    """The campaign's names awaiting a decision (unmatched or ambiguous), with candidates; and the campaign year."""
    with workspace.read() as connection:
        year = require_campaign(connection, year).year
    return year, names_in(workspace, gather(workspace, year).run.consolidation)


def names_in(workspace: Workspace, consolidation: Consolidation) -> list[NameToDecide]:
    """The names of a consolidation awaiting a decision, grouped by name, with candidates and rows."""
    grouped: dict[str, list[RowOutcome]] = {}
    for outcome in consolidation.unmatched:
        key = name_facility_key(outcome.metal, outcome.name or "", outcome.country)
        grouped.setdefault(key, []).append(outcome)
    matcher = Matcher(workspace.reference.reference()) if grouped else None
    found = []
    for outcomes in grouped.values():
        first = outcomes[0]
        name = first.name or ""
        metal, country = first.metal, first.country
        match = matcher.match(name, metal, country) if matcher else None
        found.append(
            NameToDecide(
                metal,
                name,
                country,
                first.reason,
                tuple(dict.fromkeys(o.source.supplier for o in outcomes)),
                len(outcomes),
                match.candidates if match else (),
                tuple(o.source for o in outcomes),
            )
        )
    return sorted(found, key=lambda n: (n.metal or "", n.name.casefold()))


def resolve_name(workspace: Workspace, actor: str, asked: DecisionRequest, year: int | None = None) -> FacilityDecision:
    """Take a decision on a name (or exclude a Smelter ID) from a campaign year on."""
    reference = workspace.reference.reference()
    with workspace.transaction() as connection:
        campaign = require_campaign(connection, year)
        decision = decide(connection, actor, campaign.year, asked, reference)
    _recheck_named(workspace, actor, campaign, _keys_of(workspace, campaign.year, decision.id))
    return decision


def facility_decisions(workspace: Workspace) -> list[FacilityDecision]:
    """Every decision in force, in the order taken."""
    with workspace.read() as connection:
        return decision_list(standing_decisions(connection))


def withdraw_decision(workspace: Workspace, actor: str, decision_id: int, reason: str) -> FacilityDecision:
    """Withdraw a decision (audited); its rows go back to what matching made of them."""
    if not reason.strip():
        raise FacilityDecisionError("withdrawing a decision needs a reason.")
    with workspace.read() as connection:
        campaign = require_campaign(connection, None)
    keys = _keys_of(workspace, campaign.year, decision_id)  # while the decision is still in force
    with workspace.transaction() as connection:
        withdrawn = withdraw(connection, actor, decision_id, reason)
    _recheck_named(workspace, actor, campaign, keys)
    return withdrawn


def _keys_of(workspace: Workspace, year: int, decision_id: int) -> set[str]:
    """The facility keys (a name's, or a Smelter ID) a decision in force rules on."""
    rulings, _ = workspace_rulings(workspace, year)
    return {key for key, ruling in rulings.items() if ruling.id == decision_id}


def _recheck_named(workspace: Workspace, actor: str, campaign: Campaign, keys: set[str]) -> int:
    """Review again the current CMRTs with rows under these keys: their findings about the name follow the
    decision (a mapped, confirmed or excluded name is no longer asked about). Return how many were rechecked."""
    if not keys:
        return 0
    with workspace.read() as connection:
        named = connection.scalars(
            select(requests.c.supplier_id)
            .join(smelter_rows, smelter_rows.c.submission_id == requests.c.current_submission_id)
            .where(
                requests.c.campaign_id == campaign.id,
                requests.c.template_type == "CMRT",
                smelter_rows.c.facility_key.in_(sorted(keys)),
            )
            .distinct()
        ).all()
    if named:
        recheck(workspace, campaign, actor=actor, suppliers=set(named))
    return len(named)
