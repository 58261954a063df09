"""The conversation's timeline in the backend: every provider error and fallback of this job,
next to the transcript (the web conversation view shows both). No transcript text in it."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from .backend_client import BackendClient, BackendError
from .ordered_writes import OrderedWrites

logger = logging.getLogger("voice_agent.persistence")


@dataclass(frozen=True, slots=True)
class _Event:
    event_id: str
    kind: str
    source: str
    detail: str
    created_at: dt.datetime


class TimelineRecorder:
    """Sends events in order, each with its own id (a retry never duplicates one)."""

    def __init__(self, client: BackendClient, room: str) -> None:
        self._client = client
        self._room = room
        self._writes = OrderedWrites("timeline", room, self._send)

    def add(self, kind: str, source: str, detail: str) -> None:
        """Sync (called from event handlers); the event is sent in the background."""
        now = dt.datetime.now(dt.UTC)
        self._writes.put(_Event(uuid.uuid4().hex, kind, source, detail, now))

    async def aflush(self, timeout_s: float) -> None:
        """Wait (bounded) for the queued events, then stop."""
        await self._writes.aflush(timeout_s)

    async def _send(self, event: _Event) -> None:
        try:
            await self._client.put_event(
                self._room,
                event.event_id,
                kind=event.kind,
                source=event.source,
                detail=event.detail,
                created_at=event.created_at,
            )
        except BackendError:
            logger.warning(
                "timeline event not saved", extra={"kind": event.kind, "source": event.source}
            )
