"""Writes to the backend, sent one at a time in the order they were queued.

Event handlers are sync: they only ``put`` a write; one background task sends them. A
failed write is the sender's to log; it never stops the ones behind it. ``aflush()`` waits
(bounded) for the queue at shutdown; a later ``put`` starts the task again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

logger = logging.getLogger("voice_agent.persistence")

T = TypeVar("T")


class OrderedWrites(Generic[T]):
    def __init__(self, name: str, room: str, send: Callable[[T], Awaitable[None]]) -> None:
        self._name = name
        self._room = room
        self._send = send
        self._queue: asyncio.Queue[T] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def put(self, write: T) -> None:
        self._queue.put_nowait(write)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name=f"{self._name}-writes")

    async def aflush(self, timeout_s: float | None = None) -> None:
        """Wait for the queued writes (at most ``timeout_s``), then stop the task."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout_s)
        except TimeoutError:
            logger.warning(
                f"{self._name} writes still pending at shutdown",
                extra={"room": self._room, "pending": self._queue.qsize()},
            )
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def _run(self) -> None:
        while True:
            write = await self._queue.get()
            try:
                await self._send(write)
            except Exception:  # never let one bad write stop the ones behind it
                logger.exception(f"{self._name} write failed", extra={"room": self._room})
            finally:
                self._queue.task_done()
