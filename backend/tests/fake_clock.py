"""A settable clock for code that takes `clock: Callable[[], float]` (test helper)."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
