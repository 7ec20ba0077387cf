"""The campaign's smelter consolidation, kept per process while its inputs stay the same (dashboard, Smelters).

Consolidating 10,000 suppliers' rows takes seconds; `inputs_digest` fingerprints everything it reads
(files, decisions, lists, the date), so a kept consolidation is reused only while it would come out the same.
The digest itself reads every request (0.1 s at 10,000), so it is kept too while the change counter stays put.
"""

from __future__ import annotations

import datetime as dt

from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.changes import current
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import Gathered, gather
from conflict_minerals.report.runs import inputs_digest
from conflict_minerals.service.kept import Kept, workspace_key

_KEPT: dict[tuple[int, int, dt.date | None, dt.date, str], Gathered] = {}
KEPT = 2  # a campaign as of today and as of one other date
_DIGESTS: Kept[str] = Kept(size=8)


def kept_gather(
    workspace: Workspace, year: int | None = None, as_of: dt.date | None = None, today: dt.date | None = None
) -> Gathered:
    """The campaign's consolidation as of a date (default: the newest list by `today`), computed once per inputs."""
    today = today or dt.date.today()
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        date = as_of or today
        digest = _DIGESTS.get(
            (workspace_key(workspace), campaign.id, date),
            current(connection),
            lambda: inputs_digest(connection, campaign.id, date),
        )
    key = (id(workspace), campaign.year, as_of, today, digest)
    if key not in _KEPT:
        if len(_KEPT) >= KEPT:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[key] = gather(workspace, campaign.year, as_of, today)
    return _KEPT[key]


def is_kept(gathered: Gathered) -> bool:
    """Tell whether a consolidation is still among those kept (what is derived from it may be kept too)."""
    return any(kept is gathered for kept in _KEPT.values())


def lists_in_use(gathered: Gathered) -> tuple[str, ...]:
    """The status lists a consolidation used, as a person reads them."""
    return tuple(
        f"{s.source} ({s.list_kind or 'statuses'}, as of {s.as_of.isoformat()})"
        for s in gathered.run.status_book.snapshots
    )
