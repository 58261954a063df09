"""The session wiring and the assistant persona, with scripted fakes instead of models."""

from __future__ import annotations

import pytest
from livekit.agents import (
    DEFAULT_API_CONNECT_OPTIONS,
    AgentSession,
    APIConnectOptions,
    llm,
    stt,
    tts,
    vad,
)
from voice_agent.assistant import Assistant
from voice_agent.local_models.speculative_stt import SpeculativeStreamAdapter
from voice_agent.providers.local import Providers
from voice_agent.session import build_session, input_frame_ms
from voice_agent.settings import AgentSettings
from voice_agent.shared_vad import SharedVAD
from voice_agent.text_cleanup import strip_list_markers
from voice_agent.unfinished_words import UnfinishedWordsDetector

pytestmark = pytest.mark.unit


class ScriptedLLM(llm.LLM):
    """Replies with fixed text and records what it was asked."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply
        self.seen: list[llm.ChatContext] = []

    def chat(self, *, chat_ctx: llm.ChatContext, tools=None, conn_options=None, **_: object):  # type: ignore[no-untyped-def, override]
        self.seen.append(chat_ctx.copy())
        return _ScriptedStream(
            self, chat_ctx=chat_ctx, tools=tools or [], conn_options=DEFAULT_API_CONNECT_OPTIONS
        )


class _ScriptedStream(llm.LLMStream):
    async def _run(self) -> None:
        assert isinstance(self._llm, ScriptedLLM)
        for word in self._llm.reply.split(" "):
            self._event_ch.send_nowait(
                llm.ChatChunk(id="r", delta=llm.ChoiceDelta(role="assistant", content=word + " "))
            )


class NoVAD(vad.VAD):
    def __init__(self) -> None:
        super().__init__(capabilities=vad.VADCapabilities(update_interval=0.032))

    def stream(self) -> vad.VADStream:
        raise NotImplementedError


class NoSTT(stt.STT):
    def __init__(self) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))

    async def _recognize_impl(self, buffer, *, language, conn_options):  # type: ignore[no-untyped-def, override]
        raise NotImplementedError


class NoTTS(tts.TTS):
    def __init__(self) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False), sample_rate=22050, num_channels=1
        )

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        raise NotImplementedError


def _providers(reply: str = "Hi.") -> Providers:
    return Providers(vad=NoVAD(), stt=NoSTT(), llm=ScriptedLLM(reply), tts=NoTTS())


async def test_session_uses_the_given_providers_and_offline_turn_handling() -> None:
    providers = _providers()
    session = build_session(AgentSettings(), providers)
    assert (session.llm, session.tts) == (providers.llm, providers.tts)
    # the non-streaming STT runs in the speculative adapter, which shares the session's VAD
    assert isinstance(session.vad, SharedVAD) and session.vad._inner is providers.vad
    assert isinstance(session.stt, SpeculativeStreamAdapter)
    assert session.stt.wrapped_stt is providers.stt
    assert session.stt.speculate_after_s == AgentSettings().turn.speculative_stt_s
    # transcripts while the user talks, for the local LLM's read-ahead with Moonshine only:
    # a remote LLM has no cache of ours, a remote STT is paid for each, Whisper is slow
    assert session.stt.partial_every_s == AgentSettings().turn.partial_stt_s == 0.5
    cloud = {"provider": "openai", "base_url": "http://127.0.0.1:9/v1"}
    for remote in ({"llm": cloud}, {"stt": cloud}, {"stt": {"engine": "whisper"}}):
        other = build_session(AgentSettings(**remote), providers).stt  # type: ignore[arg-type]
        assert isinstance(other, SpeculativeStreamAdapter) and other.partial_every_s == 0
    unread = build_session(AgentSettings(turn={"partial_stt_s": 0}), providers).stt
    assert isinstance(unread, SpeculativeStreamAdapter) and unread.partial_every_s == 0
    off = build_session(AgentSettings(turn={"speculative_stt_s": 0}), providers)
    assert off.stt is providers.stt  # the framework's own StreamAdapter then
    assert off.vad is providers.vad
    # never the default cloud turn detector or the adaptive (cloud) interruption model
    assert isinstance(session.turn_detection, UnfinishedWordsDetector)
    assert session.options.interruption["mode"] == "vad"
    # barge-in from settings: pause on speech, resume after a false interruption
    turn = AgentSettings().turn
    barge_in = session.options.interruption
    assert barge_in["min_duration"] == turn.interruption_min_s
    assert barge_in["false_interruption_timeout"] == turn.false_interruption_timeout_s
    assert barge_in["resume_false_interruption"] is True and barge_in["min_words"] == 0
    stays = build_session(
        AgentSettings(
            turn={"resume_false_interruption": False, "false_interruption_timeout_s": 1.5}
        ),
        providers,
    ).options.interruption
    assert stays["resume_false_interruption"] is False
    assert stays["false_interruption_timeout"] == 1.5
    # turn timing comes from settings, not the framework's defaults
    assert session.options.preemptive_generation["enabled"] is False
    assert session.options.endpointing["min_delay"] == AgentSettings().turn.min_delay_s
    on = build_session(AgentSettings(turn={"preemptive": True, "min_delay_s": 0.3}), providers)
    assert on.options.preemptive_generation["enabled"] is True
    assert on.options.endpointing["min_delay"] == 0.3
    transforms = session.options.tts_text_transforms
    assert transforms is not None and strip_list_markers in transforms
    assert list(transforms)[:2] == ["filter_markdown", "filter_emoji"]


async def test_assistant_greets_then_answers_with_its_instructions() -> None:
    settings = AgentSettings(greeting="Hi there, what do you need?", instructions="Be terse.")
    scripted = ScriptedLLM("Paris is the capital.")
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(settings))
        if session.current_speech is not None:  # the greeting, spoken without an LLM call
            await session.current_speech.wait_for_playout()
        assert scripted.seen == []
        result = await session.run(user_input="What is the capital of France?")

    result.expect.next_event().is_message(role="assistant")
    result.expect.no_more_events()
    assert result.events[0].item.text_content.strip() == "Paris is the capital."

    [ctx] = scripted.seen
    messages = [m for m in ctx.items if m.type == "message"]
    assert (messages[0].role, messages[0].text_content) == ("system", "Be terse.")
    assert (messages[-1].role, messages[-1].text_content) == (
        "user",
        "What is the capital of France?",
    )
    # the greeting is part of the history the LLM sees
    assert any(
        m.role == "assistant" and m.text_content == "Hi there, what do you need?" for m in messages
    )


async def test_greeting_goes_into_the_history() -> None:
    settings = AgentSettings(greeting="Hello from the test.")
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await session.start(Assistant(settings))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        said = [
            m.text_content
            for m in session.history.items
            if m.type == "message" and m.role == "assistant"
        ]
    assert said == ["Hello from the test."]


class LocalScriptedLLM(ScriptedLLM):
    """Stands for the local model (the one with a prompt cache to prefill)."""

    async def prefill(self, chat_ctx: llm.ChatContext, tools: object = None) -> None:
        return None


async def _replies(
    model: ScriptedLLM, settings: AgentSettings, *turns: tuple[str, str]
) -> list[str]:
    """What the assistant says to each (user text, the model's reply)."""
    said: list[str] = []
    async with AgentSession(llm=model) as session:
        await session.start(Assistant(settings))
        if session.current_speech is not None:
            await session.current_speech.wait_for_playout()
        for text, reply in turns:
            model.reply = reply
            result = await session.run(user_input=text)
            said.append(result.events[0].item.text_content.strip())  # type: ignore[union-attr]
    return said


REFUSAL = "I'm sorry, but I can't assist with that. Anything else?"


async def test_the_local_model_s_refusal_is_said_as_a_request_to_repeat() -> None:
    settings = AgentSettings(unclear_reply="Sorry, say that again?")
    said = await _replies(
        LocalScriptedLLM(""),
        settings,
        ("How many months are we not here?", REFUSAL),
        ("I'm tired.", "I'm sorry to hear that. Get some rest."),
    )
    assert said == ["Sorry, say that again?", "I'm sorry to hear that. Get some rest."]


async def test_a_remote_model_s_refusal_is_said_as_it_is() -> None:
    said = await _replies(ScriptedLLM(""), AgentSettings(), ("Do something bad.", REFUSAL))
    assert said == [REFUSAL]


def test_the_microphone_frames_are_short_for_a_local_stt_and_longer_for_a_remote_one() -> None:
    assert input_frame_ms(AgentSettings()) == 20
    remote = {"provider": "openai", "api_key": "k"}
    assert input_frame_ms(AgentSettings(stt=remote)) == 50
    # a local fallback behind a remote STT still hears with short frames
    assert input_frame_ms(AgentSettings(stt={**remote, "fallback": [{"provider": "local"}]})) == 20
    assert input_frame_ms(AgentSettings(vad={"frame_ms": 30}, stt=remote)) == 30
