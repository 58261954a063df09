"""A call ends by itself (call_limits.py): after the maximum length, or once the user has been
away for the idle timeout; a short goodbye first, then the session closes. A real (headless)
AgentSession with a scripted LLM; the session RPC that would hand out the system prompt is off
(main.py; the integration test checks it in a real room)."""

from __future__ import annotations

import asyncio

import pytest
from livekit.agents import Agent, AgentSession
from test_session import ScriptedLLM, _providers
from voice_agent.call_limits import CallLimits
from voice_agent.session import build_session
from voice_agent.settings import AgentSettings, CallLimitSettings

pytestmark = pytest.mark.unit


async def _run_until_closed(
    settings: CallLimitSettings, *, away_after_s: float | None
) -> list[str]:
    """What the agent said in a session that nobody talks to, until it closes by itself."""
    closed = asyncio.Event()
    ended: list[bool] = []
    session = AgentSession(llm=ScriptedLLM("unused"), user_away_timeout=away_after_s)
    session.on("close", lambda _ev: closed.set())
    await session.start(Agent(instructions="secret instructions"))
    # on_end: the room is deleted when the session closes (room_release.py)
    CallLimits(session, settings, on_end=lambda: ended.append(True)).attach()
    await asyncio.wait_for(closed.wait(), timeout=30)
    assert ended == [True], "the end of the call was not announced"
    return [m.text_content or "" for m in session.history.messages()]


async def test_a_call_past_its_maximum_length_says_goodbye_and_ends() -> None:
    limits = CallLimitSettings(max_call_s=0.05, max_call_goodbye="Time is up. Goodbye!")
    assert await _run_until_closed(limits, away_after_s=None) == ["Time is up. Goodbye!"]


async def test_a_quiet_call_says_goodbye_and_ends() -> None:
    limits = CallLimitSettings(idle_goodbye="Nobody there? Goodbye!")  # an hour of max length
    assert await _run_until_closed(limits, away_after_s=0.05) == ["Nobody there? Goodbye!"]


async def test_the_idle_limit_reaches_the_session_from_settings() -> None:
    settings = AgentSettings(limits={"idle_timeout_s": 42, "max_call_s": 600})
    assert settings.limits.idle_timeout_s == 42
    session = build_session(settings, _providers())
    assert session.options.user_away_timeout == 42


def test_default_limits() -> None:
    limits = AgentSettings().limits
    assert (limits.max_call_s, limits.idle_timeout_s) == (3600, 300)
