"""What pages derive from the program, kept in each process while the workspace's change counter stays put.

Every write transaction bumps the counter in its own commit (`Workspace.transaction`), so a value
computed after reading counter N is true for as long as the counter still reads N, in every worker.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from conflict_minerals.program.workspace import Workspace

T = TypeVar("T")

_SETTLE = False  # set by the web server's worker processes, which keep large values for a long time


def settle_kept_values() -> None:
    """From now on, let the garbage collector skip what is kept (call once, in a long-lived server process).

    A kept consolidation of 10,000 suppliers is close to a million objects; Python's full collection
    walks them all (0.6–0.8 s, once every few dozen requests) though they live until replaced.
    Frozen objects are still freed by reference counting when a newer value replaces them.
    """
    global _SETTLE
    _SETTLE = True
    settle()


def settle() -> None:
    """Collect what is garbage now, then move every surviving object out of the collector's way.

    Called only when a large value was just kept (a consolidation, a stored run): each call also
    freezes whatever other requests hold at that moment, which is never collected if it ends in a cycle.
    """
    if _SETTLE:
        gc.collect()
        gc.freeze()


def workspace_key(workspace: Workspace) -> tuple[int, str]:
    """Which workspace a kept value belongs to (the open object and its database)."""
    return id(workspace), workspace.engine.url.render_as_string(hide_password=True)


class Kept(Generic[T]):
    """A few values by key, each with the change counter it was computed at; the least recent goes first."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, counter: int, make: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
        """The value kept for `key` at `counter`, else `make()` (kept for the next caller unless `keep` says no)."""
        with self._lock:
            kept = self._values.get(key)
            if kept is not None and kept[0] == counter:
                self._values.move_to_end(key)
                return kept[1]
        value = make()  # outside the lock: two threads may both compute it once, neither waits on the other
        if keep is not None and not keep(value):
            return value
        with self._lock:
            self._values[key] = (counter, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything kept."""
        with self._lock:
            self._values.clear()
