"""Typed messages: a size limit and a rate limit, each with a clear answer and no model run;
the next message is answered as usual."""

from __future__ import annotations

import asyncio
import logging

import pytest
from livekit.agents import AgentSession, room_io
from test_session import ScriptedLLM
from voice_agent.assistant import Assistant
from voice_agent.settings import AgentSettings, ChatSettings
from voice_agent.typed_input import TypedInputGuard

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle(session: AgentSession) -> None:
    """Until the agent has said everything it was asked to (each speech in turn)."""
    for _ in range(50):
        await asyncio.sleep(0)
        speech = session.current_speech
        if speech is not None:
            await speech.wait_for_playout()
    await asyncio.sleep(0.05)
    while (speech := session.current_speech) is not None:
        await speech.wait_for_playout()


def said(session: AgentSession) -> list[tuple[str, str]]:
    return [(m.role, (m.text_content or "").strip()) for m in session.history.messages()]


async def test_a_huge_typed_message_gets_a_clear_answer_and_the_next_is_answered() -> None:
    scripted = ScriptedLLM("Paris is the capital.")
    guard = TypedInputGuard(ChatSettings())
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(AgentSettings()))
        await settle(session)  # the greeting
        await guard(session, room_io.TextInputEvent(text="x" * 20_000))
        await settle(session)
        assert scripted.seen == []  # no model run for it
        assert said(session)[-1] == (
            "assistant",
            "That message is too long for me. Please keep typed messages under 2,000 characters.",
        )
        assert not any(len(text) > 2000 for _, text in said(session))
        await guard(session, room_io.TextInputEvent(text="What is the capital of France?"))
        await settle(session)
    assert said(session)[-2:] == [
        ("user", "What is the capital of France?"),
        ("assistant", "Paris is the capital."),
    ]
    # the refused message is not in what the model saw
    [seen] = scripted.seen
    assert all(len(m.text_content or "") < 2000 for m in seen.messages())


async def test_a_message_at_the_limit_is_answered_and_logged_by_size(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scripted = ScriptedLLM("Done.")
    guard = TypedInputGuard(ChatSettings(max_chars=50))
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(AgentSettings()))
        await settle(session)
        with caplog.at_level(logging.INFO, logger="voice_agent"):
            await guard(session, room_io.TextInputEvent(text="y" * 50))
        await settle(session)
    assert said(session)[-2:] == [("user", "y" * 50), ("assistant", "Done.")]
    [logged] = [r for r in caplog.records if r.getMessage() == "typed message"]
    assert logged.__dict__["chars"] == 50
    assert "y" * 50 not in caplog.text  # its size, not what was typed


async def test_too_many_messages_are_told_to_slow_down_once_then_answered_again() -> None:
    scripted = ScriptedLLM("Okay.")
    clock = Clock()
    guard = TypedInputGuard(ChatSettings(max_messages=2, window_s=10), clock=clock)
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(AgentSettings()))
        await settle(session)
        for i in range(5):  # two answered, then one notice for the other three
            await guard(session, room_io.TextInputEvent(text=f"message {i}"))
            await settle(session)
            clock.now += 1
        slow_down = ChatSettings().slow_down
        assert len(scripted.seen) == 2
        assert [text for _, text in said(session)].count(slow_down) == 1
        assert said(session)[-1] == ("assistant", slow_down)
        assert ("user", "message 2") not in said(session)
        clock.now += 10  # the window has passed
        await guard(session, room_io.TextInputEvent(text="are you there?"))
        await settle(session)
    assert said(session)[-2:] == [("user", "are you there?"), ("assistant", "Okay.")]
    assert len(scripted.seen) == 3


def test_the_guard_is_the_rooms_text_input_callback() -> None:
    guard = TypedInputGuard(ChatSettings())
    assert guard.options().text_input_cb is guard
