"""Persists every user and agent message of a session through the backend, in order.

The session's ``conversation_item_added`` handler (sync) only queues the write; they are
sent one by one (``OrderedWrites``), keyed by the item's own id, so a retry or a repeated
event updates the same row. ``aflush()`` waits for the queue at shutdown.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

from .backend_client import BackendClient, BackendError, Role
from .ordered_writes import OrderedWrites

logger = logging.getLogger("voice_agent.persistence")

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


@dataclass(frozen=True, slots=True)
class _Write:
    message_id: str
    role: Role
    text: str
    created_at: dt.datetime
    latency_ms: dict[str, float]
    interrupted: bool


class TranscriptRecorder:
    def __init__(self, client: BackendClient, room: str) -> None:
        self._client = client
        self._room = room
        self._writes = OrderedWrites("transcript", room, self._send)
        self.failed = 0  # writes given up on (after the client's retries)

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
        self._writes.put(
            _Write(
                message_id=item.id,
                role=role,
                text=text,
                created_at=dt.datetime.fromtimestamp(item.created_at, tz=dt.UTC),
                latency_ms=latency_ms(item.metrics),
                interrupted=item.interrupted,
            )
        )

    async def aflush(self, timeout_s: float | None = None) -> None:
        """Wait for the queued writes (at most ``timeout_s``), then stop the worker."""
        await self._writes.aflush(timeout_s)

    async def _send(self, write: _Write) -> None:
        try:
            await self._client.put_message(
                self._room,
                write.message_id,
                role=write.role,
                text=write.text,
                created_at=write.created_at,
                latency_ms=write.latency_ms,
                interrupted=write.interrupted,
            )
        except BackendError as e:
            self.failed += 1
            logger.warning(
                "could not persist a transcript message",
                extra={
                    "room": self._room,
                    "message_id": write.message_id,
                    "role": write.role,
                    "status": e.status,
                    "detail": e.detail,
                },
            )
        except Exception:  # never let one bad write stop the ones behind it
            self.failed += 1
            logger.exception(
                "transcript write failed",
                extra={"room": self._room, "message_id": write.message_id},
            )
