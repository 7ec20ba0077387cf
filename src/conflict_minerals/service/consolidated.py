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
import logging
import threading
import time
from collections.abc import Hashable

from conflict_minerals.errors import ConflictMineralsError
from conflict_minerals.program.campaign import require_campaign
from conflict_minerals.program.changes import current
from conflict_minerals.program.workspace import Workspace
from conflict_minerals.report.build import Gathered, gather
from conflict_minerals.report.runs import inputs_digest
from conflict_minerals.service.kept import Kept, settle, workspace_key

KEPT = 2  # a campaign as of today and as of one other date
QUICK = 1.0  # seconds: a consolidation that took less is computed again while the page waits
LOG = logging.getLogger(__name__)
_DIGESTS: Kept[str] = Kept(size=8)

Key = tuple[Hashable, int, dt.date | None, dt.date, str]  # workspace, year, as-of date asked, today, digest


class _Consolidations:
    """The kept consolidations of this process, computed once per key even when many threads ask at once."""

    def __init__(self) -> None:
        self.kept: dict[Key, Gathered] = {}
        self.lock = threading.Lock()
        self.computing: dict[Key, threading.Lock] = {}
        self.refreshing: dict[tuple[Hashable, int, dt.date], threading.Thread] = {}
        self.failed: set[Key] = set()  # background refreshes that raised: the next request computes and tells
        self.seconds: dict[tuple[Hashable, int], float] = {}  # how long the last one of a campaign took

    def find(self, key: Key) -> Gathered | None:
        """The consolidation kept for exactly this key."""
        with self.lock:
            return self.kept.get(key)

    def newest_like(self, key: Key) -> Gathered | None:
        """The newest consolidation kept for the same workspace, campaign and dates, whatever its inputs."""
        with self.lock:
            older = [g for k, g in self.kept.items() if k[:4] == key[:4]]
        return older[-1] if older else None

    def get(self, workspace: Workspace, key: Key) -> Gathered:
        """The consolidation of this key: kept, or computed by one thread while the others wait for it."""
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                return found
            turn = self.computing.setdefault(key, threading.Lock())
        with turn:
            found = self.find(key)
            if found is None:
                started = time.perf_counter()
                found = gather(workspace, key[1], key[2], key[3])
                with self.lock:
                    self.seconds[key[:2]] = time.perf_counter() - started
                    while len(self.kept) >= KEPT:
                        self.kept.pop(next(iter(self.kept)))
                    self.kept[key] = found
                    self.failed.discard(key)
                settle()  # a million objects kept until replaced: out of the collector's way
        with self.lock:
            self.computing.pop(key, None)
        return found

    def refresh(self, workspace: Workspace, key: Key) -> None:
        """Compute the consolidation of this key in a background thread (one at a time per campaign)."""
        slot = (key[0], key[1], key[3])
        with self.lock:
            self.refreshing = {k: t for k, t in self.refreshing.items() if t.is_alive()}
            if slot in self.refreshing:
                return
            thread = threading.Thread(target=self._refresh, args=(workspace, key), name="consolidate", daemon=True)
            self.refreshing[slot] = thread
        thread.start()

    def _refresh(self, workspace: Workspace, key: Key) -> None:
        try:
            self.get(workspace, key)
        except Exception as exc:  # the next request computes it in the open and shows what went wrong
            LOG.warning("background consolidation failed (%s); the next dashboard computes it", type(exc).__name__)
            with self.lock:
                self.failed.add(key)

    def wait(self, timeout: float) -> None:
        """Wait for the background refreshes running now."""
        with self.lock:
            running = list(self.refreshing.values())
        for thread in running:
            thread.join(timeout)

    def holds(self, gathered: Gathered) -> bool:
        """Tell whether this consolidation is still kept."""
        with self.lock:
            return any(kept is gathered for kept in self.kept.values())


_CONSOLIDATIONS = _Consolidations()


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
    return _CONSOLIDATIONS.get(workspace, (workspace_key(workspace), campaign_year, as_of, today, digest))


def recent_gather(workspace: Workspace, year: int | None = None, today: dt.date | None = None) -> tuple[Gathered, bool]:
    """The current consolidation (True), or the newest kept one while the current one is computed in the background."""
    today = today or dt.date.today()
    campaign_year, digest = _digest(workspace, year, None, today)
    key: Key = (workspace_key(workspace), campaign_year, None, today, digest)
    found = _CONSOLIDATIONS.find(key)
    if found is not None:
        return found, True
    older = _CONSOLIDATIONS.newest_like(key)
    quick = _CONSOLIDATIONS.seconds.get(key[:2], 0.0) < QUICK  # a small program: no need to show older figures
    if older is None or quick or key in _CONSOLIDATIONS.failed:
        return _CONSOLIDATIONS.get(workspace, key), True
    _CONSOLIDATIONS.refresh(workspace, key)
    return older, False


def warm_up(workspace: Workspace, today: dt.date | None = None) -> None:
    """Start consolidating the newest campaign in the background (a server starting), unless there is none."""
    today = today or dt.date.today()
    try:
        campaign_year, digest = _digest(workspace, None, None, today)
    except ConflictMineralsError:
        return  # no campaign yet: nothing to prepare
    except Exception as exc:  # the server starts anyway: the first page computes it, or says what is wrong
        LOG.warning("could not prepare the consolidation at start (%s)", type(exc).__name__)
        return
    _CONSOLIDATIONS.refresh(workspace, (workspace_key(workspace), campaign_year, None, today, digest))


def wait_for_refresh(timeout: float = 120.0) -> None:
    """Wait until no background consolidation is running (tests, and a server shutting down)."""
    _CONSOLIDATIONS.wait(timeout)


def is_kept(gathered: Gathered) -> bool:
    """Tell whether a consolidation is still among those kept (what is derived from it may be kept too)."""
    return _CONSOLIDATIONS.holds(gathered)


def lists_in_use(gathered: Gathered) -> tuple[str, ...]:
    """The status lists a consolidation used, as a person reads them."""
    return tuple(
        f"{s.source} ({s.list_kind or 'statuses'}, as of {s.as_of.isoformat()})"
        for s in gathered.run.status_book.snapshots
    )
