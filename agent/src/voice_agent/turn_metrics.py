"""Per-turn latency figures, taken from ``ChatMessage.metrics`` and sent to the client.

The framework fills ``metrics`` on the user message (transcription and end-of-turn delays)
and on the agent message (LLM first token, TTS first byte, end-to-end). One JSON record per
agent reply is published on the data topic ``settings.metrics_topic`` for the web latency
panel and the latency bench.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

from .data_topic import DataPublisher

logger = logging.getLogger("voice_agent.turn_metrics")

_USER_KEYS = ("transcription_delay", "end_of_turn_delay", "on_user_turn_completed_delay")
_AGENT_KEYS = ("llm_node_ttft", "tts_node_ttfb", "e2e_latency")
# Unix times on the agent's clock where e2e_latency starts (the user stopped speaking, as the
# agent heard it) and ends (its first reply audio out): a client on the same machine (the
# browser bench) splits what it measured beyond e2e into the way in and the way out.
_CLOCK_KEYS = {"user_stopped_at": "stopped_speaking_at", "agent_started_at": "started_speaking_at"}


@dataclass(slots=True)
class TurnRecord:
    turn: int
    user_text: str | None = None
    agent_text: str = ""
    interrupted: bool = False
    figures: dict[str, float] = field(default_factory=dict)
    clock: dict[str, float] = field(default_factory=dict)


def _pick(metrics: Any, keys: tuple[str, ...]) -> dict[str, float]:
    return {k: float(v) for k in keys if isinstance(v := (metrics or {}).get(k), int | float)}


def _clock(user_metrics: Any, agent_metrics: Any) -> dict[str, float]:
    picked = {
        **_pick(user_metrics, ("stopped_speaking_at",)),
        **_pick(agent_metrics, ("started_speaking_at",)),
    }
    return {name: picked[key] for name, key in _CLOCK_KEYS.items() if key in picked}


class TurnMetricsPublisher:
    """Collects user+agent message pairs into turn records and publishes them."""

    def __init__(self, room: rtc.Room, topic: str) -> None:
        self._out = DataPublisher(room, topic)
        self._turn = 0
        self._pending_user: llm.ChatMessage | None = None
        self.records: list[TurnRecord] = []

    def attach(self, session: AgentSession[Any]) -> None:
        session.on("conversation_item_added", self._on_item)

    def _on_item(self, ev: ConversationItemAddedEvent) -> None:
        item = ev.item
        if not isinstance(item, llm.ChatMessage):
            return
        if item.role == "user":
            self._pending_user = item
            return
        if item.role != "assistant":
            return
        self._turn += 1
        user, self._pending_user = self._pending_user, None
        record = TurnRecord(
            turn=self._turn,
            user_text=user.text_content if user else None,
            agent_text=item.text_content or "",
            interrupted=item.interrupted,
            figures={
                **_pick(user.metrics if user else None, _USER_KEYS),
                **_pick(item.metrics, _AGENT_KEYS),
            },
            clock=_clock(user.metrics if user else None, item.metrics),
        )
        self.records.append(record)
        logger.info("turn figures", extra={"turn": record.turn, **record.figures})
        self._out.send({"type": "turn_metrics", **asdict(record)})
