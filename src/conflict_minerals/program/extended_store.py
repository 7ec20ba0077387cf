"""Parse once, for the extended templates: what an EMRT, CRT or AMRT declares, stored as rows at ingest.

The same tables hold them as hold a CMRT's (answers and smelter rows carry the mineral's name
where a CMRT's carry the metal), plus the Mine List. Every 3TG reader picks CMRT requests only,
so a cobalt row never reaches the Form SD.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from conflict_minerals.cmrt.values import normalize_smelter_id
from conflict_minerals.model import ExtendedDocument, MineralAnswer, MineralSmelterRow
from conflict_minerals.program.audit import now
from conflict_minerals.program.documents import COMPANY_FIELDS, READER_VERSION, product_rows
from conflict_minerals.program.schema import (
    answers,
    bulk_insert,
    mine_rows,
    products,
    requests,
    smelter_rows,
    submissions,
)
from conflict_minerals.reference.countries import plain_country_name
from conflict_minerals.smelters.names import is_placeholder, name_key


@dataclass(frozen=True, slots=True)
class MineralMatch:
    """The facility an extended row names, as far as the trusted reference tells."""

    smelter_id: str | None
    standard_name: str | None
    country: str | None
    method: str  # a smelters.matching.Method value
    confidence: float
    reason: str | None = None


# How a row's facility is found: (mineral, smelter_id, name, country) -> a match.
MineralMatcher = Callable[[str, str | None, str | None, str | None], MineralMatch]
UNMATCHED = MineralMatch(None, None, None, "unmatched", 0.0, "no trusted look-up entry for this mineral")


def extended_fields(document: ExtendedDocument, reference_version: str) -> dict[str, Any]:
    """The submission's own columns for what an extended document declares and how it was read."""
    company = {f: getattr(document.company, f) for f in COMPANY_FIELDS}
    extra = {"layout_version": document.template.layout_version, "minerals": list(document.minerals)}
    return {
        "template_type": document.template.type,
        "template_version": document.template.version[:20],
        "language": document.template.language,
        "declared_company": (document.company.name or "")[:300] or None,
        "declared_unique_id": (document.company.unique_id or "")[:100] or None,
        "declaration_scope": document.company.declaration_scope,
        "effective_date": document.company.effective_date,
        "company_json": json.dumps({**company, **extra}),
        "reader_version": READER_VERSION,
        "reference_version": reference_version[:200],
        "parsed_at": now(),
    }


def save_extended(
    connection: Connection, submission_id: int, document: ExtendedDocument, matches: Sequence[MineralMatch]
) -> None:
    """Store an extended document's answers, smelter rows (with their matches), Mine List and products."""
    bulk_insert(
        connection, answers, [_answer(submission_id, a) for a in (*document.answers, *document.company_answers)]
    )
    bulk_insert(
        connection,
        smelter_rows,
        [_smelter(submission_id, row, match) for row, match in zip(document.smelters, matches, strict=True)],
    )
    bulk_insert(
        connection,
        mine_rows,
        [
            {
                "submission_id": submission_id,
                "row": mine.row,
                "mineral": (mine.mineral or "")[:40] or None,
                "smelter_name": mine.smelter_name,
                "mine_name": mine.mine_name,
                "mine_id": mine.mine_id,
                "country": mine.country,
                "comments": mine.comments,
            }
            for mine in document.mines
        ],
    )
    bulk_insert(connection, products, product_rows(submission_id, document.products))


def _answer(submission_id: int, answer: MineralAnswer) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "question": answer.question,
        "metal": (answer.mineral or "")[:20] or None,
        "value": answer.value,
        "comment": answer.comment,
        "cell": answer.cell,
        "comment_cell": answer.comment_cell,
        "recognized": answer.recognized,
    }


def _smelter(submission_id: int, row: MineralSmelterRow, match: MineralMatch) -> dict[str, Any]:
    mineral = (row.mineral or "")[:20] or None
    name = row.name
    return {
        "submission_id": submission_id,
        "row": row.row,
        "metal": mineral,
        "smelter_id": row.smelter_id,
        "name": row.name,
        "country": row.country,
        "lookup_name": row.lookup_name,
        "id_source": row.id_source,
        "city": row.city,
        "mine_name": row.mine_name,
        "mine_country": row.mine_country,
        "recycled_scrap": row.recycled_scrap,
        "comments": row.comments,
        "not_listed": row.not_listed,
        "not_yet_identified": False,
        "entered_name": name,
        "entered_country": row.country,
        "match_smelter_id": match.smelter_id,
        "match_name": match.standard_name,
        "match_metal": mineral if match.smelter_id else None,
        "match_country": match.country,
        "match_method": match.method,
        "match_confidence": match.confidence,
        "match_reason": match.reason,
        "facility_key": _facility_key((mineral or "").casefold(), row, match),
    }


def _facility_key(mineral: str, row: MineralSmelterRow, match: MineralMatch) -> str | None:
    """What makes two rows one facility: RMI's Smelter ID, else the ID or the name and country given;
    a row naming nothing ('Smelter not yet identified', a bare marker) is no facility."""
    if match.smelter_id:
        return f"{mineral}|{match.smelter_id}"
    given = normalize_smelter_id(row.smelter_id) if row.smelter_id else None
    if given:
        return f"{mineral}|unknown|{given}"
    if row.name and not is_placeholder(row.name):
        return f"{mineral}|name|{name_key(row.name)}|{plain_country_name(row.country).casefold()}"
    return None


@dataclass(frozen=True, slots=True)
class StoredMineralRow:
    """A stored extended Smelter List row of a current submission, for the extended-minerals summary."""

    submission_id: int
    supplier_id: int
    mineral: str
    smelter_id: str | None  # RMI's, when the row matched a trusted look-up
    name: str | None
    country: str | None
    method: str
    mine_country: str | None
    facility_key: str
    given_id: str | None = None  # the Smelter ID the supplier gave, when no trusted look-up knows it


def current_extended(connection: Connection, campaign_id: int) -> dict[str, list[int]]:
    """The current submission of every extended request of a campaign, by template type."""
    query = select(requests.c.template_type, requests.c.current_submission_id).where(
        requests.c.campaign_id == campaign_id,
        requests.c.template_type != "CMRT",
        requests.c.current_submission_id.is_not(None),
        requests.c.state.not_in(("rejected", "not_applicable")),
    )
    found: dict[str, list[int]] = {}
    for template, submission_id in connection.execute(query):
        found.setdefault(template, []).append(int(submission_id))
    return found


def mineral_rows(connection: Connection, submission_ids: Sequence[int]) -> list[StoredMineralRow]:
    """The Smelter List rows of the given extended submissions, with their supplier."""
    columns = (
        smelter_rows.c.submission_id,
        submissions.c.supplier_id,
        smelter_rows.c.metal,
        smelter_rows.c.match_smelter_id,
        smelter_rows.c.smelter_id,
        smelter_rows.c.match_name,
        smelter_rows.c.entered_name,
        smelter_rows.c.match_country,
        smelter_rows.c.country,
        smelter_rows.c.match_method,
        smelter_rows.c.mine_country,
        smelter_rows.c.facility_key,
    )
    found = []
    for start in range(0, len(submission_ids), 500):
        chunk = list(submission_ids[start : start + 500])
        query = (
            select(*columns)
            .join(submissions, submissions.c.id == smelter_rows.c.submission_id)
            .where(smelter_rows.c.submission_id.in_(chunk), smelter_rows.c.facility_key.is_not(None))
            .order_by(smelter_rows.c.submission_id, smelter_rows.c.row)
        )
        for r in connection.execute(query):
            found.append(
                StoredMineralRow(
                    r.submission_id,
                    r.supplier_id,
                    r.metal or "",
                    r.match_smelter_id,
                    r.match_name or r.entered_name,
                    r.match_country or r.country,
                    r.match_method,
                    r.mine_country,
                    r.facility_key,
                    None if r.match_smelter_id else r.smelter_id,
                )
            )
    return found


def mine_countries(connection: Connection, submission_ids: Sequence[int]) -> dict[str, dict[str, int]]:
    """How many declared mines each mineral has per country (Mine List), in the given submissions."""
    found: dict[str, dict[str, int]] = {}
    for start in range(0, len(submission_ids), 500):
        chunk = list(submission_ids[start : start + 500])
        query = select(mine_rows.c.mineral, mine_rows.c.country).where(mine_rows.c.submission_id.in_(chunk))
        for mineral, country in connection.execute(query):
            if mineral and country and country.strip():
                places = found.setdefault(mineral, {})
                shown = plain_country_name(country)  # one country, however suppliers spell it
                places[shown] = places.get(shown, 0) + 1
    return found
