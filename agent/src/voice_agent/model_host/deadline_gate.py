"""One model run at a time, the request whose result is due soonest first; a request that
can be dropped runs only when nothing else runs or waits.

The host's voice (Piper) serves every call on the machine. In arrival order, a call's first
clause (its user waiting in silence) can queue behind another call's later clauses, whose
audio is not due for seconds. The gate never idles while a request waits; it only reorders
(earliest deadline first, arrival order among equal deadlines).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DeadlineGate:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waiting: list[tuple[float, int]] = []
        self._order = itertools.count()
        self._busy = False

    @contextmanager
    def turn(self, due_in_s: float = 0.0) -> Iterator[None]:
        """Hold the model; ``due_in_s``: how soon the caller needs the result."""
        entry = (time.monotonic() + max(0.0, due_in_s), next(self._order))
        with self._cond:
            heapq.heappush(self._waiting, entry)
            while self._busy or self._waiting[0] != entry:
                self._cond.wait()
            heapq.heappop(self._waiting)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @property
    def busy(self) -> bool:
        """A request runs or waits."""
        with self._cond:
            return self._busy or bool(self._waiting)

    @contextmanager
    def turn_if_free(self) -> Iterator[bool]:
        """Hold the model only if it is free now and nothing waits for it (yields whether
        it was): for work that is worth doing only when it delays no one."""
        with self._cond:
            free = not self._busy and not self._waiting
            self._busy = self._busy or free
        try:
            yield free
        finally:
            if free:
                self._release()

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()
