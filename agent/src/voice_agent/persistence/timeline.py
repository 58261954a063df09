"""The conversation's timeline in the backend: every provider error and fallback of this job,
next to the transcript (the web conversation view shows both). No transcript text in it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from .backend_client import event_body
from .journal_sender import JournalSender

# The backend reads this event (app/analytics/counts.py, same prefix) into the conversation.
PROVIDERS_PREFIX = "providers: "
UNAVAILABLE_PREFIX = "variant providers not configured on this worker: "


def providers_detail(*, stt: str, llm: str, tts: str) -> str:
    if stt == llm == tts:
        return stt
    return f"stt={stt} llm={llm} tts={tts}"


class TimelineRecorder:
    """Journals events in order, each with its own id (a replay never duplicates one)."""

    def __init__(self, writes: JournalSender, room: str) -> None:
        self._writes = writes
        self._room = room

    def add(self, kind: str, source: str, detail: str) -> None:
        """Sync (called from event handlers); the event is sent in the background."""
        now = dt.datetime.now(dt.UTC)
        body = event_body(kind=kind, source=source, detail=detail, created_at=now)
        self._writes.write(self._room, "event", uuid.uuid4().hex, body)

    def add_providers(self, *, stt: str, llm: str, tts: str) -> None:
        """Name the call's primary providers (an info event; the backend keeps it on the
        conversation for analytics): "providers: openai" when one serves all three, else
        "providers: stt=local llm=openai tts=azure"."""
        self.add("info", "agent", PROVIDERS_PREFIX + providers_detail(stt=stt, llm=llm, tts=tts))

    def add_unavailable(self, named: Sequence[str]) -> None:
        """The providers an A/B variant named that this worker does not configure ("llm=openai";
        the worker's chain served the call instead): an info event, if any."""
        if named:
            self.add("info", "agent", UNAVAILABLE_PREFIX + " ".join(named))

    async def aflush(self, timeout_s: float) -> bool:
        """Wait (bounded) until the backend has the events; True if it has."""
        return await self._writes.aflush(timeout_s)
