"""Persists every user and agent message of a session, in order, through the journal.

The session's ``conversation_item_added`` handler (sync) stores the message in the worker's
journal (on disk when it returns), keyed by the item's own id, so a repeated event or a
replay updates the same row; the journal's sender delivers it to the backend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

from .backend_client import Role, message_body
from .journal_sender import JournalSender

# ChatMessage.metrics (seconds) -> the latency keys stored by the backend (milliseconds)
LATENCY_KEYS: dict[str, str] = {
    "transcription_delay": "transcription_ms",
    "end_of_turn_delay": "end_of_turn_ms",
    "on_user_turn_completed_delay": "on_user_turn_completed_ms",
    "llm_node_ttft": "ttft_ms",
    "tts_node_ttfb": "ttfb_ms",
    "e2e_latency": "e2e_ms",
}
_MAX_MS = 3_600_000.0  # the backend's ceiling for one figure


def latency_ms(metrics: Any) -> dict[str, float]:
    """The known figures of a ``ChatMessage.metrics`` in milliseconds; others are dropped."""
    out: dict[str, float] = {}
    for key, name in LATENCY_KEYS.items():
        value = (metrics or {}).get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            ms = round(float(value) * 1000.0, 1)
            if 0.0 <= ms <= _MAX_MS:
                out[name] = ms
    return out


class TranscriptRecorder:
    def __init__(self, writes: JournalSender, room: str) -> None:
        self._writes = writes
        self._room = room

    def attach(self, session: AgentSession[Any]) -> None:
        session.on("conversation_item_added", self.on_item)

    def on_item(self, ev: ConversationItemAddedEvent) -> None:
        item = ev.item
        if not isinstance(item, llm.ChatMessage) or item.role not in ("user", "assistant"):
            return
        text = (item.text_content or "").strip()
        if not text:
            return
        role: Role = "user" if item.role == "user" else "assistant"
        body = message_body(
            role=role,
            text=text,
            created_at=dt.datetime.fromtimestamp(item.created_at, tz=dt.UTC),
            latency_ms=latency_ms(item.metrics),
            interrupted=item.interrupted,
        )
        self._writes.write(self._room, "message", item.id, body)

    async def aflush(self, timeout_s: float | None = None) -> bool:
        """Wait (at most ``timeout_s``) until the backend has every write; True if it has.
        Whatever it has not stays journaled, for the worker to send."""
        return await self._writes.aflush(timeout_s)
