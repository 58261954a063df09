"""OpenAI, OpenAI-compatible and Azure OpenAI providers against a local fake server, and the
fallback chain driven by the faults that server injects (429, 500, a stream that stalls
after its first chunk, connection refused): every turn still ends with an answer from the
next provider, or with the spoken apology when none is left.

Real HTTP on 127.0.0.1 (an in-process aiohttp server), the real plugins and clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from fake_cloud import FakeOpenAI, refused_url
from livekit import rtc
from livekit.agents import AgentSession, ErrorEvent, llm, tts
from prometheus_client import REGISTRY
from test_turn_metrics import FakeRoom
from voice_agent.agent_errors import AgentErrorPublisher
from voice_agent.assistant import Assistant
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.registry import build_llm, build_stt, build_tts
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

QUESTION = "What is the capital of France?"
APOLOGY = "Sorry, no model is answering right now."
AZURE_DEPLOYMENT = "gpt-4o-mini-eu"
AZURE_VERSION = "2024-10-21"


@pytest.fixture
async def primary() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI(reply="The primary answers.", transcript="from the primary").start()
    yield server
    await server.aclose()


@pytest.fixture
async def backup() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI(reply="Paris, says the backup.", transcript="from the backup").start()
    yield server
    await server.aclose()


def _settings(**sections: Any) -> AgentSettings:
    return AgentSettings(apology=APOLOGY, **sections)


def _openai(url: str, **extra: Any) -> dict[str, Any]:
    return {"provider": "openai", "base_url": url, **extra}


def _azure(server: FakeOpenAI) -> dict[str, Any]:
    return {
        "provider": "azure",
        "base_url": server.url,
        "api_key": "azure-test-key",
        "deployment": AZURE_DEPLOYMENT,
        "api_version": AZURE_VERSION,
    }


def _fallbacks(source: str, provider: str) -> float:
    labels = {"source": source, "provider": provider}
    return REGISTRY.get_sample_value("va_agent_fallbacks_total", labels) or 0.0


def _errors(source: str, kind: str) -> float:
    labels = {"source": source, "type": kind}
    return REGISTRY.get_sample_value("va_agent_errors_total", labels) or 0.0


async def _answer(
    settings: AgentSettings, model: llm.LLM, room: FakeRoom | None = None
) -> tuple[str, list[ErrorEvent]]:
    """One typed turn through the real Assistant in a session; its reply and the errors."""
    errors: list[ErrorEvent] = []
    async with AgentSession(llm=model) as session:
        session.on("error", errors.append)
        if room is not None:
            AgentErrorPublisher(room, settings.metrics_topic).attach(session)  # type: ignore[arg-type]
        await session.start(Assistant(settings))
        if session.current_speech is not None:  # the greeting
            await session.current_speech.wait_for_playout()
        result = await session.run(user_input=QUESTION)
    said = [
        ev.item.text_content
        for ev in result.events
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role == "assistant"
    ]
    await model.aclose()
    return " ".join(t or "" for t in said).strip(), errors


# --- each provider on its own --------------------------------------------------------------


async def test_openai_llm_sends_the_key_and_streams_the_answer(primary: FakeOpenAI) -> None:
    settings = _settings(llm=_openai(primary.base_url, api_key="sk-test", model="gpt-test"))
    answer, errors = await _answer(settings, build_llm(settings, BuildOptions(settings)))
    assert answer == "The primary answers."
    assert errors == []
    [request] = primary.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "gpt-test" and request.body["stream"] is True
    roles = [m["role"] for m in request.body["messages"]]
    assert roles[0] == "system" and request.body["messages"][-1]["content"] == QUESTION


async def test_openai_compatible_server_needs_no_key(primary: FakeOpenAI) -> None:
    settings = _settings(llm=_openai(primary.base_url, model="qwen2.5"))
    answer, _ = await _answer(settings, build_llm(settings, BuildOptions(settings)))
    assert answer == "The primary answers."
    assert primary.requests[0].headers["authorization"] == "Bearer no-key"


async def test_azure_openai_uses_the_deployment_url_and_api_key_header(
    backup: FakeOpenAI,
) -> None:
    settings = _settings(llm=_azure(backup))
    answer, _ = await _answer(settings, build_llm(settings, BuildOptions(settings)))
    assert answer == "Paris, says the backup."
    [request] = backup.requests
    assert request.path == f"/openai/deployments/{AZURE_DEPLOYMENT}/chat/completions"
    assert request.query == {"api-version": AZURE_VERSION}
    assert request.headers["api-key"] == "azure-test-key"


# --- failover ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [("429", "rate_limit"), ("500", "status"), ("stall", "timeout"), ("refused", "connection")],
)
async def test_a_failing_primary_llm_falls_back_and_the_turn_is_answered(
    primary: FakeOpenAI, backup: FakeOpenAI, fault: str, error_type: str
) -> None:
    if fault != "refused":
        primary.fault = fault  # type: ignore[assignment]
    url = refused_url() if fault == "refused" else primary.base_url
    settings = _settings(
        llm={**_openai(url), "fallback": [_azure(backup)], "first_token_timeout_s": 0.5}
    )
    before, errors_before = _fallbacks("llm", "openai"), _errors("llm", error_type)
    answer, errors = await _answer(settings, build_llm(settings, BuildOptions(settings)))
    assert answer == "Paris, says the backup."
    assert errors == []  # a failover is not an error of the session
    assert _fallbacks("llm", "openai") == before + 1
    assert _errors("llm", error_type) >= errors_before + 1  # counted with its type
    assert any(r.path.endswith("/chat/completions") for r in backup.requests)
    if fault != "refused":
        assert "/v1/chat/completions" in primary.paths()


async def test_when_every_llm_fails_the_user_hears_the_apology(
    primary: FakeOpenAI, backup: FakeOpenAI
) -> None:
    primary.fault = "500"
    backup.fault = "stall"
    settings = _settings(
        llm={
            **_openai(primary.base_url),
            "fallback": [_openai(backup.base_url)],
            "first_token_timeout_s": 0.5,
        }
    )
    room = FakeRoom()
    answer, errors = await _answer(settings, build_llm(settings, BuildOptions(settings)), room)
    assert answer == APOLOGY
    assert [e.error.recoverable for e in errors] == [False]  # the chain's own, once
    assert primary.requests and backup.requests
    # and the web page is told, on the metrics topic, for a toast
    payload, kwargs = await asyncio.wait_for(room.local_participant.published.get(), 5)
    assert json.loads(payload)["type"] == "agent_error"
    assert json.loads(payload)["source"] == "llm"
    assert kwargs["topic"] == settings.metrics_topic


# --- STT and TTS chains ----------------------------------------------------------------------


def _speech_frame() -> rtc.AudioFrame:
    pcm = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 220) * 6000).astype(np.int16)
    return rtc.AudioFrame(pcm.tobytes(), 16000, 1, len(pcm))


async def test_stt_falls_back_to_the_next_transcription_server(
    primary: FakeOpenAI, backup: FakeOpenAI
) -> None:
    from livekit.plugins import silero

    primary.fault = "429"
    settings = _settings(stt={**_openai(primary.base_url), "fallback": [_openai(backup.base_url)]})
    before = _fallbacks("stt", "openai")
    chain = build_stt(settings, BuildOptions(settings, warm=False), silero.VAD.load())
    event = await chain.recognize(_speech_frame())
    assert event.alternatives[0].text == "from the backup"
    assert _fallbacks("stt", "openai") == before + 1
    upload = backup.requests[0]
    assert upload.path == "/v1/audio/transcriptions"
    assert upload.body["model"] == "gpt-4o-mini-transcribe"
    assert upload.body["file"].startswith("<file ")
    await chain.aclose()


async def test_tts_falls_back_to_the_next_speech_server(
    primary: FakeOpenAI, backup: FakeOpenAI
) -> None:
    primary.fault = "500"
    settings = _settings(
        tts={**_openai(primary.base_url, voice="nova"), "fallback": [_openai(backup.base_url)]}
    )
    before = _fallbacks("tts", "openai")
    chain = build_tts(settings, BuildOptions(settings, warm=False))
    assert isinstance(chain, tts.FallbackAdapter)
    frames = [ev.frame async for ev in chain.synthesize("Hello there.")]
    audio = np.concatenate([np.frombuffer(f.data, np.int16) for f in frames])
    assert np.abs(audio).max() > 4000  # the backup's tone, not silence
    assert _fallbacks("tts", "openai") == before + 1
    assert primary.requests[0].body["voice"] == "nova"
    assert backup.requests[0].path == "/v1/audio/speech"
    assert backup.requests[0].body["response_format"] == "pcm"
    await chain.aclose()
