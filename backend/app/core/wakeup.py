"""Cuts a periodic loop's wait short: a route (a sync one runs in a worker thread) says
something changed, and the loop (app.core.redispatch) looks at once instead of at its next
tick. Nothing is queued: a wake-up while the loop is busy makes its next wait return at once."""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Wakeup:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def set(self) -> None:
        """Wake the waiting loop; from any thread. Nothing happens before it first waits."""
        with self._lock:
            loop, event = self._loop, self._event
        if loop is None or event is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout_s: float) -> bool:
        """Until ``set()`` or ``timeout_s``; True when woken."""
        with self._lock:
            if self._event is None or self._loop is not asyncio.get_running_loop():
                self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
            event = self._event
        try:
            async with asyncio.timeout(timeout_s):
                await event.wait()
        except TimeoutError:
            return False
        event.clear()
        return True
