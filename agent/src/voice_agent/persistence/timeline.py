"""The conversation's timeline in the backend: every provider error and fallback of this job,
next to the transcript (the web conversation view shows both). No transcript text in it."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from .backend_client import BackendClient, BackendError

logger = logging.getLogger("voice_agent.persistence")


class TimelineRecorder:
    """Sends events in order, each with its own id (a retry never duplicates one)."""

    def __init__(self, client: BackendClient, room: str) -> None:
        self._client = client
        self._room = room
        self._queue: asyncio.Queue[tuple[str, str, str, str, dt.datetime]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def add(self, kind: str, source: str, detail: str) -> None:
        """Sync (called from event handlers); the event is sent in the background."""
        self._queue.put_nowait((uuid.uuid4().hex, kind, source, detail, dt.datetime.now(dt.UTC)))
        if self._task is None:
            self._task = asyncio.create_task(self._send_all(), name="timeline")

    async def _send_all(self) -> None:
        while True:
            event_id, kind, source, detail, at = await self._queue.get()
            try:
                await self._client.put_event(
                    self._room,
                    event_id,
                    kind=kind,
                    source=source,
                    detail=detail,
                    created_at=at,  # type: ignore[arg-type]
                )
            except BackendError:
                logger.warning("timeline event not saved", extra={"kind": kind, "source": source})
            finally:
                self._queue.task_done()

    async def aflush(self, timeout_s: float) -> None:
        """Wait (bounded) for the queued events, then stop."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout_s)
        except TimeoutError:
            logger.warning("timeline events left unsent", extra={"count": self._queue.qsize()})
        self._task.cancel()
