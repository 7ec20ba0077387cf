"""The facilities suppliers named in their current EMRT, CRT or AMRT of a campaign, from the stored rows.

An extended template's Smelter List is stored like a CMRT's, its mineral in `metal` (e.g.
"Cobalt", "Mica"); the submission says which template it is. Rows of rejected or
out-of-scope suppliers are left out, as in the report.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from conflict_minerals.model import MineralSmelterRow
from conflict_minerals.program.campaign import RequestState
from conflict_minerals.program.schema import campaigns, requests, smelter_rows, submissions

_LEFT_OUT = (RequestState.REJECTED.value, RequestState.NOT_APPLICABLE.value)
NOT_LISTED = "Smelter not listed"


def named_facilities(connection: Connection, year: int, template_type: str) -> tuple[MineralSmelterRow, ...]:
    """Return each facility the suppliers' current submissions of this template type name, once, in file and
    row order: by RMI's Smelter ID where a row matched a trusted look-up, else by the name and country given."""
    query = (
        select(
            smelter_rows.c.row,
            smelter_rows.c.metal,
            smelter_rows.c.match_smelter_id,
            smelter_rows.c.facility_key,
            smelter_rows.c.name,
            smelter_rows.c.country,
            smelter_rows.c.entered_name,
            smelter_rows.c.entered_country,
        )
        .join(submissions, submissions.c.id == smelter_rows.c.submission_id)
        .join(requests, requests.c.current_submission_id == submissions.c.id)
        .join(campaigns, campaigns.c.id == requests.c.campaign_id)
        .where(
            campaigns.c.year == year,
            submissions.c.template_type == template_type,
            requests.c.state.not_in(_LEFT_OUT),
            smelter_rows.c.metal.is_not(None),
            smelter_rows.c.facility_key.is_not(None),  # a row naming nothing is no facility
        )
        .order_by(smelter_rows.c.submission_id, smelter_rows.c.row)
    )
    found = []
    seen: set[str] = set()
    for (
        number,
        mineral,
        smelter_id,
        key,
        name,
        country,
        entered_name,
        entered_country,
    ) in connection.execute(query):
        if key in seen:  # one line per facility, however many suppliers name it
            continue
        seen.add(key)
        if smelter_id:  # matched to RMI's look-up at ingest: the supplier's own ID is never trusted
            found.append(MineralSmelterRow(number, mineral, smelter_id, None, name, country))
        elif entered_name or name:  # any other by name and country ("not yet identified" rows name nothing)
            found.append(
                MineralSmelterRow(number, mineral, None, NOT_LISTED, entered_name or name, entered_country or country)
            )
    return tuple(found)
