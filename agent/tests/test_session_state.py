"""The session's state layers: room metadata (instructions, greeting, voice, language), the
participant (name), the in-memory history, and persistence flushed when the agent exits."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from backend_helpers import in_process_client, journaled_writes, new_room
from livekit.agents import AgentSession, ErrorEvent, llm
from livekit.agents.llm import LLMError
from livekit.agents.stt import STTError
from test_session import NoSTT, NoTTS, NoVAD, ScriptedLLM
from test_turn_metrics import FakeRoom
from voice_agent.agent_errors import AgentErrorPublisher
from voice_agent.assistant import Assistant
from voice_agent.local_models import PiperTTS
from voice_agent.local_models.clause_tokenizer import ClauseTokenizer
from voice_agent.local_models.speculative_stt import UtteranceLost
from voice_agent.persistence import TranscriptRecorder, load_history
from voice_agent.providers.local import LocalVoice, Providers
from voice_agent.settings import AgentSettings
from voice_agent.state import RoomProfile, SessionState, UserProfile

pytestmark = pytest.mark.unit

TUTOR = json.dumps(
    {
        "persona": "tutor",
        "voice": "slow",
        "language": "en",
        "instructions": "You are a patient tutor.",
        "greeting": "Hello! What would you like to learn today?",
    }
)


# --- layer 1: room metadata ----------------------------------------------------------------


def test_room_metadata_is_parsed_and_bad_parts_are_ignored() -> None:
    tutor = RoomProfile.parse(TUTOR)
    assert (tutor.persona, tutor.voice, tutor.language) == ("tutor", "slow", "en")
    assert tutor.instructions == "You are a patient tutor."
    assert RoomProfile.parse("not json") == RoomProfile()
    assert RoomProfile.parse("[1, 2]") == RoomProfile()
    partial = RoomProfile.parse(json.dumps({"voice": 3, "greeting": "  ", "language": "de"}))
    assert partial == RoomProfile(language="de")  # wrong types and blanks dropped
    # the dispatch metadata stands in when the room has none
    assert RoomProfile.from_job("", TUTOR) == tutor
    assert RoomProfile.from_job(TUTOR, json.dumps({"persona": "other"})) == tutor


def test_the_room_language_reaches_the_instructions() -> None:
    assert RoomProfile(language="en-GB").instructions_for("Be brief.") == "Be brief."
    german = RoomProfile(language="de", instructions="Sei kurz.").instructions_for("Be brief.")
    assert german.startswith("Sei kurz.") and "de" in german


def test_room_voice_sets_the_local_pace_and_leaves_other_voices_alone() -> None:
    voice = LocalVoice(PiperTTS(), ClauseTokenizer())
    providers = Providers(NoVAD(), NoSTT(), ScriptedLLM("x"), voice, local_voice=voice)
    paces = AgentSettings().tts.voice_paces
    providers.apply_voice("slow", paces)
    assert voice.length_scale == 1.2
    providers.apply_voice("fast", paces)
    assert voice.length_scale == 0.85
    providers.apply_voice("default", paces)  # the configured pace stays
    assert voice.length_scale == 0.85
    remote = Providers(NoVAD(), NoSTT(), ScriptedLLM("x"), NoTTS())
    remote.apply_voice("slow", paces)  # no local voice: nothing to change, no error


# --- layer 2: the participant ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "attributes", "metadata", "expected"),
    [
        ("Grace", {"name": "Ada"}, "", "Ada"),  # the attribute first
        ("Grace", {}, json.dumps({"name": "Ada"}), "Ada"),  # then the metadata
        ("Grace", {}, "", "Grace"),  # then the LiveKit name
        ("user-7f3a9c", {}, "", None),  # the identity is not a name
        ("user", {}, "", None),  # nor the user id it starts with (no-login mode: "local")
        ("", {"name": "<script>"}, "not json", None),  # junk is not greeted
        ("José María", {}, "", "José María"),
    ],
)
def test_user_name_from_the_participant(
    name: str, attributes: dict[str, str], metadata: str, expected: str | None
) -> None:
    profile = UserProfile.from_parts(
        name=name, identity="user-7f3a9c", attributes=attributes, metadata=metadata
    )
    assert profile.name == expected


# --- hooks in a session --------------------------------------------------------------------


async def _greeted(settings: AgentSettings, agent: Assistant, model: llm.LLM) -> list[str]:
    async with AgentSession(llm=model) as session:
        await session.start(agent)
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        return [m.text_content or "" for m in session.history.messages() if m.role == "assistant"]


async def test_on_enter_greets_the_user_by_name() -> None:
    settings = AgentSettings()
    state = SessionState(user=UserProfile(name="Ada"))
    said = await _greeted(settings, Assistant(settings, state=state), ScriptedLLM("x"))
    assert said == ["Hello Ada! How can I help you today?"]


async def test_the_room_persona_sets_instructions_and_greeting_for_voice_and_typed_turns() -> None:
    settings = AgentSettings(instructions="Default persona.")
    state = SessionState(room=RoomProfile.parse(TUTOR), user=UserProfile(name="Ada"))
    scripted = ScriptedLLM("A noun names a thing.")
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(settings, state=state))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        said = [m.text_content for m in session.history.messages() if m.role == "assistant"]
        # a typed turn (session.run): skips on_user_turn_completed, still gets the context
        await session.run(user_input="What is a noun? Answer before tomorrow.")
    assert said == ["Hello Ada! What would you like to learn today?"]
    [ctx] = scripted.seen
    system = [m.text_content or "" for m in ctx.messages() if m.role == "system"]
    assert system[0] == "You are a patient tutor."
    assert any("It is now" in s for s in system[1:])  # the per-reply date/time context


async def test_a_returning_named_user_is_welcomed_back() -> None:
    history = llm.ChatContext.empty()
    history.add_message(role="user", content="Hi.")
    settings = AgentSettings()
    agent = Assistant(settings, chat_ctx=history, state=SessionState(user=UserProfile("Ada")))
    assert await _greeted(settings, agent, ScriptedLLM("x")) == [
        "Welcome back, Ada! Where were we?"
    ]


# --- layers 3 and 4: history in memory, persisted; on_exit flushes ----------------------------


async def test_on_exit_flushes_the_transcript_to_the_backend(
    backend_app: Any, journal_dir: Path
) -> None:
    client = in_process_client(backend_app)
    room = await new_room(backend_app)
    _, sender = journaled_writes(backend_app, journal_dir)
    recorder = TranscriptRecorder(sender, room)
    state = SessionState(recorder=recorder)
    settings = AgentSettings(greeting="Hello.")
    async with AgentSession(llm=ScriptedLLM("Two.")) as session:
        recorder.attach(session)
        await session.start(Assistant(settings, state=state))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        await session.run(user_input="One plus one?")
    # no flush here: the agent's on_exit did it when the session closed
    await sender.aclose()
    stored = [(m.role, m.text) for m in await client.list_messages(room)]
    assert stored == [("assistant", "Hello."), ("user", "One plus one?"), ("assistant", "Two.")]
    # and the next session in this room reloads them
    reloaded = await load_history(client, room)
    assert reloaded is not None and len(reloaded.messages()) == 3


# --- the web page hears about a provider that gave up -------------------------------------------


async def test_an_unrecoverable_llm_error_is_published_for_the_web_page() -> None:
    room = FakeRoom()
    model = ScriptedLLM("x")
    async with AgentSession(llm=model) as session:
        AgentErrorPublisher(room, "va.metrics").attach(session)  # type: ignore[arg-type]
        for recoverable in (True, False):
            error = LLMError(
                timestamp=0, label="x", error=RuntimeError("boom"), recoverable=recoverable
            )
            session.emit("error", ErrorEvent(error=error, source=model))
        payload, kwargs = await asyncio.wait_for(room.local_participant.published.get(), 2)
    assert json.loads(payload) == {
        "type": "agent_error",
        "source": "llm",
        "message": "The assistant could not answer: no language model responded.",
    }
    assert kwargs == {"reliable": True, "topic": "va.metrics"}
    assert room.local_participant.published.empty()  # the recoverable one was not sent


async def test_a_lost_utterance_is_published_for_the_web_page() -> None:
    room = FakeRoom()
    model = ScriptedLLM("x")
    async with AgentSession(llm=model) as session:
        AgentErrorPublisher(room, "va.metrics").attach(session)  # type: ignore[arg-type]
        for cause in (RuntimeError("retrying"), UtteranceLost("ReadTimeout: timed out")):
            error = STTError(timestamp=0, label="x", error=cause, recoverable=True)
            session.emit("error", ErrorEvent(error=error, source=NoSTT()))
        payload, _ = await asyncio.wait_for(room.local_participant.published.get(), 2)
    assert json.loads(payload)["message"] == "Speech recognition failed; please try again or type."
    assert room.local_participant.published.empty()  # a retry's error was not sent
