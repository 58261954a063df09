"""Whole conversations on the local models, without a LiveKit server.

Text mode drives ``AgentSession.run``; voice mode feeds a spoken clip at real-time pace
through a custom ``io.AudioInput`` and collects the reply from a custom ``io.AudioOutput``
(docs/reference/livekit-api.md §6), running VAD -> STT -> end of turn -> LLM -> TTS as in a room.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent, io, llm
from turn_taking import RATE, ClipInput
from voice_agent.assistant import Assistant
from voice_agent.providers.local import Providers
from voice_agent.session import build_session
from voice_agent.settings import AgentSettings
from voice_agent.turn_metrics import TurnMetricsPublisher

pytestmark = pytest.mark.models


class OfflineRoom:
    """Just enough of rtc.Room for TurnMetricsPublisher: never connected, publishes nothing."""

    def isconnected(self) -> bool:
        return False


class RecordingSpeaker(io.AudioOutput):
    """Keeps every segment the agent speaks; "plays" it instantly."""

    def __init__(self) -> None:
        super().__init__(label="speaker", capabilities=io.AudioOutputCapabilities(pause=False))
        self.segments: list[list[rtc.AudioFrame]] = []
        self._capturing = False

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._capturing:
            self._capturing = True
            self.segments.append([])
            self.on_playback_started(created_at=time.time())
        self.segments[-1].append(frame)

    def _finish(self, interrupted: bool) -> None:
        if self._capturing:
            self._capturing = False
            played = sum(f.duration for f in self.segments[-1])
            self.on_playback_finished(playback_position=played, interrupted=interrupted)

    def flush(self) -> None:
        super().flush()
        self._finish(interrupted=False)

    def clear_buffer(self) -> None:
        self._finish(interrupted=True)


def _messages(session: AgentSession) -> list[llm.ChatMessage]:
    return [m for m in session.history.items if isinstance(m, llm.ChatMessage)]


async def test_text_turn_answers_with_the_local_llm(
    settings: AgentSettings, providers: Providers
) -> None:
    turns = TurnMetricsPublisher(OfflineRoom(), settings.metrics_topic)  # type: ignore[arg-type]
    async with AgentSession(llm=providers.llm) as session:
        turns.attach(session)
        await session.start(Assistant(settings))
        if session.current_speech is not None:
            await session.current_speech.wait_for_playout()  # the greeting
        result = await asyncio.wait_for(
            session.run(user_input="What is the capital of France?"), 60
        )

    reply = result.expect.next_event().is_message(role="assistant").event().item
    result.expect.no_more_events()
    assert "paris" in reply.text_content.lower(), reply.text_content

    said = [(m.role, m.text_content) for m in _messages(session)]
    assert said[0] == ("assistant", settings.greeting)
    assert said[1] == ("user", "What is the capital of France?")

    # greeting (no user text), then the answer with its LLM figure
    assert [r.user_text for r in turns.records] == [None, "What is the capital of France?"]
    assert "paris" in turns.records[1].agent_text.lower()
    assert 0 < turns.records[1].figures["llm_node_ttft"] < 30


async def test_spoken_question_gets_a_spoken_answer(
    settings: AgentSettings, providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    question = speech("What is the capital of France?")
    clip = np.concatenate([np.zeros(RATE, np.int16), question])  # 1 s for the greeting
    speaker = RecordingSpeaker()
    turns = TurnMetricsPublisher(OfflineRoom(), settings.metrics_topic)  # type: ignore[arg-type]
    answered = asyncio.Event()
    transcripts: list[str] = []

    def on_item(ev: ConversationItemAddedEvent) -> None:
        is_reply = isinstance(ev.item, llm.ChatMessage) and ev.item.role == "assistant"
        if is_reply and any(m.role == "user" for m in _messages(session)):
            answered.set()

    session = build_session(settings, providers)  # the production wiring
    session.input.audio = ClipInput(clip)
    session.output.audio = speaker
    session.on("conversation_item_added", on_item)
    session.on(
        "user_input_transcribed",
        lambda ev: transcripts.append(ev.transcript) if ev.is_final else None,
    )
    turns.attach(session)
    try:
        await session.start(Assistant(settings))
        await asyncio.wait_for(answered.wait(), 60)
    finally:
        await session.aclose()

    messages = _messages(session)
    user = next(m for m in messages if m.role == "user")
    reply = messages[-1]
    assert "capital" in user.text_content.lower() and "france" in user.text_content.lower()
    assert transcripts == [user.text_content]
    assert reply.role == "assistant" and "paris" in reply.text_content.lower()

    # the greeting and the answer were both spoken (Piper, 22.05 kHz), the answer audibly long
    assert len(speaker.segments) >= 2
    answer_audio = speaker.segments[-1]
    assert {f.sample_rate for f in answer_audio} == {22050}
    assert sum(f.duration for f in answer_audio) > 0.8

    # latency figures a voice turn must carry (the web panel and the bench read them)
    figures = turns.records[-1].figures
    assert turns.records[-1].user_text == user.text_content
    for key in ("end_of_turn_delay", "llm_node_ttft", "tts_node_ttfb", "e2e_latency"):
        assert key in figures, figures
    # speech ended -> first audio: VAD silence + STT + LLM + TTS; 10 s leaves room for a
    # loaded 2-core CI machine while still catching a stall
    assert 0 < figures["e2e_latency"] < 10
