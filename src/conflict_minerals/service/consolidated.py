"""The campaign's smelter consolidation, kept per process while its inputs stay the same (dashboard, Smelters).

Consolidating 10,000 suppliers' rows takes seconds; `inputs_digest` fingerprints everything it reads
(files, decisions, lists, the date), so a kept consolidation is reused only while it would come out the same.
The digest itself reads every request (0.1 s at 10,000), so it is kept too while the change counter stays put.

The dashboard may take the newest kept consolidation while a fresh one is computed in the background
(`recent_gather`): a team's uploads then do not make every reload wait seconds. Pages that list or
count facilities for a decision (Smelters, evidence, the report) always take the current one.
"""

from __future__ import annotations

import datetime as dt
import threading

from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.changes import current
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import Gathered, gather
from conflict_minerals.report.runs import inputs_digest
from conflict_minerals.service.kept import Kept, settle, workspace_key

_KEPT: dict[tuple[int, int, dt.date | None, dt.date, str], Gathered] = {}
KEPT = 2  # a campaign as of today and as of one other date
_DIGESTS: Kept[str] = Kept(size=8)


def _digest(workspace: Workspace, year: int | None, as_of: dt.date | None, today: dt.date) -> tuple[int, str]:
    """The campaign's year and the digest of its consolidation's inputs as of the date."""
    with workspace.read() as connection:
        campaign = require_campaign(connection, year)
        date = as_of or today
        digest = _DIGESTS.get(
            (workspace_key(workspace), campaign.id, date),
            current(connection),
            lambda: inputs_digest(connection, campaign.id, date),
        )
    return campaign.year, digest


def kept_gather(
    workspace: Workspace, year: int | None = None, as_of: dt.date | None = None, today: dt.date | None = None
) -> Gathered:
    """The campaign's consolidation as of a date (default: the newest list by `today`), computed once per inputs."""
    today = today or dt.date.today()
    campaign_year, digest = _digest(workspace, year, as_of, today)
    return _gathered(workspace, campaign_year, as_of, today, digest)


def _gathered(workspace: Workspace, year: int, as_of: dt.date | None, today: dt.date, digest: str) -> Gathered:
    key = (id(workspace), year, as_of, today, digest)
    if key not in _KEPT:
        made = gather(workspace, year, as_of, today)
        with _LOCK:
            if len(_KEPT) >= KEPT:
                _KEPT.pop(next(iter(_KEPT)))
            _KEPT[key] = made
        settle()
    return _KEPT[key]


_LOCK = threading.Lock()
_REFRESHING: dict[tuple[int, int, dt.date], threading.Thread] = {}


def recent_gather(workspace: Workspace, year: int | None = None, today: dt.date | None = None) -> tuple[Gathered, bool]:
    """The current consolidation as of the newest list if it is kept, else the newest one kept for the
    campaign while the current one is computed in the background; and whether it is the current one."""
    today = today or dt.date.today()
    campaign_year, digest = _digest(workspace, year, None, today)
    key = (id(workspace), campaign_year, None, today, digest)
    if key in _KEPT:
        return _KEPT[key], True
    with _LOCK:
        older = [g for k, g in _KEPT.items() if k[:4] == key[:4]]
    if not older:
        return _gathered(workspace, campaign_year, None, today, digest), True
    refreshing = (id(workspace), campaign_year, today)
    with _LOCK:
        running = _REFRESHING.get(refreshing)
        if running is None or not running.is_alive():
            thread = threading.Thread(
                target=_refresh, args=(workspace, campaign_year, today, digest), name="consolidate", daemon=True
            )
            _REFRESHING[refreshing] = thread
            thread.start()
    return older[-1], False


def _refresh(workspace: Workspace, year: int, today: dt.date, digest: str) -> None:
    try:
        _gathered(workspace, year, None, today, digest)
    except Exception:  # a failed background refresh is retried by the next request
        return


def wait_for_refresh(timeout: float = 120.0) -> None:
    """Wait until no background consolidation is running (tests, and a server shutting down)."""
    for thread in list(_REFRESHING.values()):
        thread.join(timeout)


def is_kept(gathered: Gathered) -> bool:
    """Tell whether a consolidation is still among those kept (what is derived from it may be kept too)."""
    with _LOCK:
        return any(kept is gathered for kept in _KEPT.values())


def lists_in_use(gathered: Gathered) -> tuple[str, ...]:
    """The status lists a consolidation used, as a person reads them."""
    return tuple(
        f"{s.source} ({s.list_kind or 'statuses'}, as of {s.as_of.isoformat()})"
        for s in gathered.run.status_book.snapshots
    )
