"""A pause mid-sentence on the real voice path (Silero VAD, Moonshine, Piper, the session's
barge-in): the first part is committed as a turn, the caller goes on before its reply is
heard, and the LLM is asked the whole sentence. The LLM is scripted and slow to answer, so
the reply to the fragment is still unheard when the caller goes on (turn_joining.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, ConversationItemAddedEvent, llm
from overlap_session import PacedSpeaker
from turn_taking import RATE, ClipInput
from voice_agent.assistant import Assistant
from voice_agent.providers.local import Providers
from voice_agent.session import build_session
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.models

FIRST_TOKEN_S = 2.5  # longer than the caller's pause: the fragment's reply stays unheard


class SlowLLM(llm.LLM):
    """Answers "Okay." after ``FIRST_TOKEN_S``, and keeps every request."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[llm.ChatContext] = []

    def chat(self, *, chat_ctx: llm.ChatContext, tools=None, conn_options=None, **_: object):  # type: ignore[no-untyped-def, override]
        self.seen.append(chat_ctx.copy())
        return _SlowStream(
            self, chat_ctx=chat_ctx, tools=[], conn_options=DEFAULT_API_CONNECT_OPTIONS
        )


class _SlowStream(llm.LLMStream):
    async def _run(self) -> None:
        await asyncio.sleep(FIRST_TOKEN_S)
        self._event_ch.send_nowait(
            llm.ChatChunk(id="ok", delta=llm.ChoiceDelta(role="assistant", content="Okay."))
        )


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


async def test_a_sentence_cut_by_a_pause_is_asked_whole(
    settings: AgentSettings, providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    # silence alone ends the turn, so the pause surely cuts the sentence in two
    cut = settings.model_copy(update={"turn": settings.turn.model_copy(update={"detector": "vad"})})
    slow = SlowLLM()
    session = build_session(cut, dataclasses.replace(providers, llm=slow))
    mic = ClipInput(np.zeros(0, np.int16))
    session.input.audio = mic
    session.output.audio = PacedSpeaker()
    said: list[tuple[str, str]] = []
    answered = asyncio.Event()

    def on_item(ev: ConversationItemAddedEvent) -> None:
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role in ("user", "assistant"):
            said.append((ev.item.role, ev.item.text_content or ""))
            if ev.item.role == "assistant" and len(slow.seen) >= 2:
                answered.set()

    session.on("conversation_item_added", on_item)
    try:
        await session.start(Assistant(cut))
        if session.current_speech is not None:  # the greeting
            await asyncio.wait_for(session.current_speech.wait_for_playout(), 30)
        pause = _silence(0.8)
        head, rest = speech("I would like to know"), speech("the weather in Paris.")
        mic.splice(np.concatenate([head, pause, rest, pause]))
        await asyncio.wait_for(answered.wait(), 30)
    finally:
        await session.aclose()

    users = [text for role, text in said if role == "user"]
    assert len(users) == 2, said  # the pause ended a turn: the sentence was cut
    assert ("assistant", "Okay.") not in said[: said.index(("user", users[1]))], said
    last = slow.seen[-1].messages()[-1]
    assert last.role == "user"
    asked = (last.text_content or "").lower()
    assert "know" in asked and "weather" in asked, asked
