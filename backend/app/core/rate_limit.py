"""Requests per user per minute: one fixed window per minute, counted in process here or in
Redis (app.core.redis.RedisRateLimiter). Both answer the same way, so a single machine needs
no Redis and replicas behind a load balancer share their counts through it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_s: int  # whole seconds until the window resets; 0 when allowed


class RateLimiterUnavailable(Exception):
    """The shared store could not be reached (fail closed: the caller answers 503)."""


class RateLimiter(Protocol):
    def hit(self, key: str) -> Decision: ...


def window(now: float) -> tuple[int, int]:
    """(window number, seconds until it ends, at least 1)."""
    index = int(now // WINDOW_S)
    return index, max(1, math.ceil((index + 1) * WINDOW_S - now))


class InProcessRateLimiter:
    def __init__(self, *, limit: int, clock: Clock = time.time) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> Decision:
        index, remaining = window(self._clock())
        with self._lock:
            if index != self._window:  # a new minute: forget every count of the last one
                self._window, self._counts = index, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        return Decision(True, 0) if count <= self._limit else Decision(False, remaining)
