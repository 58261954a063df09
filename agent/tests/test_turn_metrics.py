"""Per-turn latency records: user+assistant messages paired, figures picked, JSON published."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from livekit.agents import AgentSession, ConversationItemAddedEvent, llm
from voice_agent.turn_metrics import TurnMetricsPublisher, TurnRecord

pytestmark = pytest.mark.unit

TOPIC = "va.metrics"


class FakeParticipant:
    def __init__(self, fail: bool = False) -> None:
        self.published: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self.fail = fail

    async def publish_data(self, payload: str, **kwargs: Any) -> None:
        if self.fail:
            raise ConnectionError("data channel closed")
        self.published.put_nowait((payload, kwargs))


class FakeRoom:
    def __init__(self, connected: bool = True, fail: bool = False) -> None:
        self.connected = connected
        self.local_participant = FakeParticipant(fail=fail)

    def isconnected(self) -> bool:
        return self.connected


def _user(text: str, **metrics: Any) -> ConversationItemAddedEvent:
    return ConversationItemAddedEvent(
        item=llm.ChatMessage(role="user", content=[text], metrics=metrics)
    )


def _assistant(text: str, interrupted: bool = False, **metrics: Any) -> ConversationItemAddedEvent:
    return ConversationItemAddedEvent(
        item=llm.ChatMessage(
            role="assistant", content=[text], interrupted=interrupted, metrics=metrics
        )
    )


def _publisher(room: FakeRoom) -> TurnMetricsPublisher:
    return TurnMetricsPublisher(room, TOPIC)  # type: ignore[arg-type]


async def _next_payload(room: FakeRoom) -> tuple[dict[str, Any], dict[str, Any]]:
    payload, kwargs = await asyncio.wait_for(room.local_participant.published.get(), 2)
    return json.loads(payload), kwargs


async def test_user_and_assistant_messages_make_one_published_record() -> None:
    room = FakeRoom()
    pub = _publisher(room)
    pub._on_item(
        _user(
            "What time is it?",
            transcription_delay=0.12,
            end_of_turn_delay=0.41,
            on_user_turn_completed_delay=0.0,
            started_speaking_at=1000.0,  # not a latency figure: not picked
            stopped_speaking_at=1001.5,  # where e2e_latency starts: the clock
        )
    )
    pub._on_item(
        _assistant(
            "It is noon.",
            llm_node_ttft=0.2,
            tts_node_ttfb=0.09,
            e2e_latency=0.95,
            transcription_delay=9.9,  # agent-side keys only from the agent message
            started_speaking_at=1002.45,
            stopped_speaking_at=1005.0,  # the reply's own end: not the user's
        )
    )
    payload, kwargs = await _next_payload(room)
    assert kwargs == {"reliable": True, "topic": TOPIC}
    assert payload == {
        "type": "turn_metrics",
        "turn": 1,
        "user_text": "What time is it?",
        "agent_text": "It is noon.",
        "interrupted": False,
        "figures": {
            "transcription_delay": 0.12,
            "end_of_turn_delay": 0.41,
            "on_user_turn_completed_delay": 0.0,
            "llm_node_ttft": 0.2,
            "tts_node_ttfb": 0.09,
            "e2e_latency": 0.95,
        },
        "clock": {"user_stopped_at": 1001.5, "agent_started_at": 1002.45},
    }
    assert pub.records == [TurnRecord(**{k: v for k, v in payload.items() if k != "type"})]


async def test_greeting_without_user_message_and_turn_numbering() -> None:
    room = FakeRoom()
    pub = _publisher(room)
    pub._on_item(_assistant("Hello! How can I help?", tts_node_ttfb=0.1))
    pub._on_item(_user("Stop"))
    pub._on_item(_assistant("Sure, I will", interrupted=True))
    pub._on_item(_assistant("Anything else?"))  # the user message is used once only
    first, _ = await _next_payload(room)
    second, _ = await _next_payload(room)
    third, _ = await _next_payload(room)
    assert (first["turn"], first["user_text"], first["figures"]) == (
        1,
        None,
        {"tts_node_ttfb": 0.1},
    )
    assert (second["turn"], second["user_text"], second["interrupted"]) == (2, "Stop", True)
    assert (third["turn"], third["user_text"], third["figures"]) == (3, None, {})


async def test_other_items_and_roles_are_ignored() -> None:
    room = FakeRoom()
    pub = _publisher(room)
    pub._on_item(
        ConversationItemAddedEvent(item=llm.AgentHandoff(old_agent_id=None, new_agent_id="a"))
    )
    pub._on_item(ConversationItemAddedEvent(item=llm.ChatMessage(role="system", content=["x"])))
    pub._on_item(_user("first"))
    pub._on_item(_user("second"))  # only the latest user message pairs with the reply
    pub._on_item(_assistant("reply"))
    payload, _ = await _next_payload(room)
    assert (payload["turn"], payload["user_text"]) == (1, "second")
    assert len(pub.records) == 1


async def test_disconnected_room_records_but_publishes_nothing() -> None:
    room = FakeRoom(connected=False)
    pub = _publisher(room)
    pub._on_item(_user("hi", end_of_turn_delay=0.3))
    pub._on_item(_assistant("hello", e2e_latency=1.1))
    await asyncio.sleep(0.05)
    assert room.local_participant.published.empty()
    assert pub.records[0].figures == {"end_of_turn_delay": 0.3, "e2e_latency": 1.1}


async def test_publish_failure_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    room = FakeRoom(fail=True)
    pub = _publisher(room)
    with caplog.at_level(logging.WARNING, logger="voice_agent.turn_metrics"):
        pub._on_item(_assistant("hello"))
        for _ in range(20):
            if any("could not publish" in r.message for r in caplog.records):
                break
            await asyncio.sleep(0.01)
    assert any("could not publish" in r.message for r in caplog.records)
    assert len(pub.records) == 1


async def test_attach_listens_to_the_session_event() -> None:
    room = FakeRoom()
    pub = _publisher(room)
    session: AgentSession = AgentSession()
    pub.attach(session)
    session.emit("conversation_item_added", _user("ping"))
    session.emit("conversation_item_added", _assistant("pong", llm_node_ttft=0.3))
    payload, _ = await _next_payload(room)
    assert (payload["user_text"], payload["agent_text"]) == ("ping", "pong")
    assert payload["figures"] == {"llm_node_ttft": 0.3}
