"""An A/B experiment's variant reaches the call through the room metadata: its persona's
instructions and greeting, its voice, and its turn-taking settings for this call only."""

from __future__ import annotations

import json

import pytest
from livekit.agents import AgentSession
from test_session import ScriptedLLM, _providers
from voice_agent.assistant import Assistant
from voice_agent.session import build_session
from voice_agent.settings import AgentSettings
from voice_agent.state import RoomProfile, SessionState

pytestmark = pytest.mark.unit

GREETING = "Welcome to the tutor variant. What shall we learn?"
# what backend/app/core/room_metadata.py writes for a conversation in variant "tutor"
VARIANT_ROOM = {
    "persona": "tutor",
    "voice": "slow",
    "language": "en",
    "instructions": "You are a patient tutor.",
    "greeting": GREETING,
    "record": False,
    "turn": {"min_delay_s": 0.4, "interruption_min_s": 0.3},
    "experiment": {"id": "7b0e", "variant": "tutor"},
}


def test_the_variant_is_read_from_the_room_metadata() -> None:
    room = RoomProfile.parse(json.dumps(VARIANT_ROOM))
    assert (room.persona, room.voice, room.greeting) == ("tutor", "slow", GREETING)
    assert room.experiment == "7b0e/tutor"
    assert dict(room.turn) == {"min_delay_s": 0.4, "interruption_min_s": 0.3}


async def test_the_variants_turn_settings_shape_this_calls_session_only() -> None:
    settings = AgentSettings()
    room = RoomProfile.parse(json.dumps(VARIANT_ROOM))
    session = build_session(room.for_call(settings), _providers())
    assert session.options.endpointing["min_delay"] == 0.4
    assert session.options.endpointing["max_delay"] == settings.turn.max_delay_s
    assert session.options.interruption["min_duration"] == 0.3
    # the worker's settings stay as they were for the next call
    assert settings.turn.min_delay_s == AgentSettings().turn.min_delay_s
    plain = build_session(RoomProfile().for_call(settings), _providers())
    assert plain.options.endpointing["min_delay"] == settings.turn.min_delay_s


@pytest.mark.parametrize(
    "turn",
    [
        {"min_delay_s": 9.0},  # over the settings' bound
        {"min_delay_s": 2.0, "max_delay_s": 1.0},  # max under min
        {"min_delay_s": "0.4"},  # not a number: dropped, nothing left to apply
        "fast",
    ],
)
def test_turn_settings_the_agent_refuses_are_ignored(turn: object) -> None:
    settings = AgentSettings()
    room = RoomProfile.parse(json.dumps({**VARIANT_ROOM, "turn": turn}))
    assert room.for_call(settings).turn == settings.turn
    assert room.greeting == GREETING  # the rest of the variant still applies


async def test_the_variants_greeting_is_spoken_first() -> None:
    settings = AgentSettings(greeting="The default greeting.")
    state = SessionState(room=RoomProfile.parse(json.dumps(VARIANT_ROOM)))
    scripted = ScriptedLLM("x")
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(settings, state=state))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        said = [m.text_content for m in session.history.messages() if m.role == "assistant"]
        await session.run(user_input="Hi.")
    assert said == [GREETING]
    [ctx] = scripted.seen
    assert [m.text_content for m in ctx.messages() if m.role == "system"][0] == (
        "You are a patient tutor."
    )
