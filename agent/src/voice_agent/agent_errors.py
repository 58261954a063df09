"""Tells the web page when a provider gave up, or what the user said was lost (its
transcription failed: speculative_stt.py): ``{"type": "agent_error", "source", "message"}``
on the metrics data topic, for a toast. The message is fixed per source (never the
exception's text, which may hold payloads or secrets)."""

from __future__ import annotations

from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, ErrorEvent

from .data_topic import DataPublisher
from .local_models.speculative_stt import UtteranceLost
from .observability import session_metrics

MESSAGES = {
    "stt": "Speech recognition failed; please try again or type.",
    "llm": "The assistant could not answer: no language model responded.",
    "tts": "Speech synthesis failed; the answer is in the transcript.",
}


class AgentErrorPublisher:
    def __init__(self, room: rtc.Room, topic: str) -> None:
        self._out = DataPublisher(room, topic)

    def attach(self, session: AgentSession[Any]) -> None:
        session.on("error", self._on_error)

    def _on_error(self, ev: ErrorEvent) -> None:
        lost = isinstance(getattr(ev.error, "error", None), UtteranceLost)
        if getattr(ev.error, "recoverable", False) and not lost:
            return  # the framework retries; nothing the user needs to know yet
        source = session_metrics.source_of(ev.source)
        if source not in MESSAGES:
            return
        self._out.send({"type": "agent_error", "source": source, "message": MESSAGES[source]})
