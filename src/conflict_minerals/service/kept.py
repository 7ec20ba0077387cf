"""What pages derive from the program, kept in each process while the workspace's change counter stays put.

Every write transaction bumps the counter in its own commit (`Workspace.transaction`), so a value
computed after reading counter N is true for as long as the counter still reads N, in every worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from conflict_minerals.program.workspace import Workspace

T = TypeVar("T")


def workspace_key(workspace: Workspace) -> tuple[int, str]:
    """Which workspace a kept value belongs to (the open object and its database)."""
    return id(workspace), workspace.engine.url.render_as_string(hide_password=True)


class Kept(Generic[T]):
    """A few values by key, each with the change counter it was computed at; the least recent goes first."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, counter: int, make: Callable[[], T]) -> T:
        """The value kept for `key` at `counter`, else `make()` (kept for the next caller)."""
        with self._lock:
            kept = self._values.get(key)
            if kept is not None and kept[0] == counter:
                self._values.move_to_end(key)
                return kept[1]
        value = make()  # outside the lock: two threads may both compute it once, neither waits on the other
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
