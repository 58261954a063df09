"""bench/fake_cloud.py speaks the OpenAI protocol the agent's real ``openai`` provider uses:
the livekit plugin streams its chat words in order, gets its transcript, and hears its speech
(streamed, audible, as long as the text would take to say); every delay is honoured before
the first content of its answer. Real HTTP on 127.0.0.1, the server in the test's loop."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from livekit import rtc
from livekit.agents import llm
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.openai import openai_llm, openai_stt, openai_tts
from voice_agent.settings import AgentSettings, ProviderConfig

sys.path.append(str(Path(__file__).resolve().parents[1]))
from fake_cloud import SECONDS_PER_CHAR, SPEECH_RATE, Delays, FakeOpenAI  # noqa: E402

pytestmark = pytest.mark.unit

DELAYS = Delays(stt_s=0.05, first_token_s=0.08, token_interval_s=0.01, tts_first_byte_s=0.04)
REPLY = "Paris is the capital of France. Interestingly, it is also the largest city."
AUDIBLE_RMS = 300  # bench/latency/voice_client.py counts a frame above this as agent speech


@pytest.fixture
async def cloud() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI(reply=REPLY, transcript="what do bees make", delays=DELAYS).start()
    yield server
    await server.aclose()


def _config(server: FakeOpenAI) -> tuple[ProviderConfig, BuildOptions]:
    return ProviderConfig(provider="openai", base_url=server.base_url), BuildOptions(
        AgentSettings()
    )


async def test_chat_streams_the_words_in_order_after_the_first_token_delay(
    cloud: FakeOpenAI,
) -> None:
    model = openai_llm(*_config(cloud))
    ctx = llm.ChatContext()
    ctx.add_message(role="user", content="What is the capital of France?")
    words: list[tuple[str, float]] = []
    async with model.chat(chat_ctx=ctx) as stream:
        async for chunk in stream:
            if chunk.delta is not None and chunk.delta.content:
                words.append((chunk.delta.content, time.monotonic()))
    await model.aclose()
    assert "".join(w for w, _ in words).strip() == REPLY
    [request] = cloud.requests
    assert request.body["stream"] is True
    assert request.first_byte_at is not None
    assert request.first_byte_at - request.received_at >= DELAYS.first_token_s
    assert words[0][1] >= request.first_byte_at


async def test_transcription_answers_after_its_delay(cloud: FakeOpenAI) -> None:
    stt = openai_stt(*_config(cloud))
    audio = np.zeros(16000, dtype=np.int16)  # any audio is heard as the transcript
    frame = rtc.AudioFrame(audio.tobytes(), 16000, 1, len(audio))
    event = await stt.recognize(frame)
    await stt.aclose()
    assert event.alternatives[0].text == "what do bees make"
    [request] = cloud.requests
    assert request.path == "/v1/audio/transcriptions"
    assert request.first_byte_at is not None
    assert request.first_byte_at - request.received_at >= DELAYS.stt_s


async def test_speech_streams_audible_audio_after_its_first_byte_delay(
    cloud: FakeOpenAI,
) -> None:
    tts = openai_tts(*_config(cloud))
    text = "Paris is the capital of France."
    frames: list[rtc.AudioFrame] = []
    async with tts.synthesize(text) as stream:
        async for audio in stream:
            frames.append(audio.frame)
    await tts.aclose()
    [request] = cloud.requests
    assert request.body["response_format"] == "pcm"
    assert request.first_byte_at is not None
    assert request.first_byte_at - request.received_at >= DELAYS.tts_first_byte_s
    pcm = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    seconds = len(pcm) / frames[0].sample_rate
    assert frames[0].sample_rate == SPEECH_RATE
    assert seconds == pytest.approx(SECONDS_PER_CHAR * len(text), abs=0.05)
    assert float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) > AUDIBLE_RMS * 5


async def test_speech_in_another_format_is_a_clear_400(cloud: FakeOpenAI) -> None:
    async with aiohttp.ClientSession() as http:
        body = {"model": "tts", "input": "hi", "voice": "alloy", "response_format": "mp3"}
        async with http.post(f"{cloud.base_url}/audio/speech", json=body) as response:
            assert response.status == 400
            assert "only pcm" in (await response.json())["error"]["message"]
