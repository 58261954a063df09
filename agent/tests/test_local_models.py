"""The real offline models through the framework's plugin API, on generated speech."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import APIConnectOptions, llm, metrics
from voice_agent.local_models import LlamaCppLLM, MoonshineSTT, PiperOptions, PiperTTS
from voice_agent.local_models.tts import SAMPLE_RATE as PIPER_RATE
from voice_agent.providers.local import Providers

pytestmark = pytest.mark.models

RATE = 16000
QUESTION = "What is the capital of France?"


def _frame(pcm: np.ndarray) -> rtc.AudioFrame:
    return rtc.AudioFrame(pcm.astype(np.int16).tobytes(), RATE, 1, len(pcm))


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


@pytest.fixture(scope="module")
def stt() -> MoonshineSTT:
    """Moonshine, whichever engine is the default (Whisper: test_whisper_stt.py)."""
    moonshine = MoonshineSTT()
    moonshine.warm_up()
    return moonshine


@pytest.fixture(scope="module")
def local_llm(providers: Providers) -> LlamaCppLLM:
    assert isinstance(providers.llm, LlamaCppLLM)
    return providers.llm


def _ctx(question: str) -> llm.ChatContext:
    ctx = llm.ChatContext()
    ctx.add_message(role="system", content="You are a helpful assistant. Be brief.")
    ctx.add_message(role="user", content=question)
    return ctx


# --- STT: Moonshine tiny-en -------------------------------------------------------------


async def _recognize(stt: MoonshineSTT, pcm: np.ndarray) -> str:
    event = await stt.recognize(buffer=_frame(pcm))
    return event.alternatives[0].text


async def test_moonshine_transcribes_a_spoken_question(
    stt: MoonshineSTT, speech: Callable[[str], np.ndarray]
) -> None:
    text = await _recognize(stt, np.concatenate([speech(QUESTION), _silence(0.3)]))
    assert "capital" in text.lower() and "france" in text.lower(), text


@pytest.mark.parametrize("lead_s", [0.5, 1.5])
async def test_leading_silence_gives_no_hallucinated_filler(
    stt: MoonshineSTT, speech: Callable[[str], np.ndarray], lead_s: float
) -> None:
    # untrimmed, Moonshine often starts such clips with "You" (docs/reference/models.md); the
    # VAD hands it 0.2-0.5 s of pre-roll on every turn
    text = await _recognize(stt, np.concatenate([_silence(lead_s), speech(QUESTION)]))
    first = text.split()[0].strip(".,!?").lower() if text else ""
    assert first == "what", text
    assert "capital" in text.lower()


async def test_silence_and_very_short_clips_give_an_empty_transcript(stt: MoonshineSTT) -> None:
    assert await _recognize(stt, _silence(1.0)) == ""
    # 30 ms of tone: with the 50 ms kept pre-roll still under the 100 ms minimum
    blip = (np.sin(np.arange(480) / 3) * 8000).astype(np.int16)
    assert await _recognize(stt, np.concatenate([_silence(0.5), blip])) == ""


async def test_stt_reports_metrics_with_the_audio_duration(
    stt: MoonshineSTT, speech: Callable[[str], np.ndarray]
) -> None:
    seen: list[metrics.STTMetrics] = []
    stt.on("metrics_collected", seen.append)
    try:
        clip = speech("Turn on the kitchen lights.")
        text = await _recognize(stt, clip)
    finally:
        stt.off("metrics_collected", seen.append)
    assert "kitchen" in text.lower() and "lights" in text.lower(), text
    [m] = seen
    assert m.audio_duration == pytest.approx(len(clip) / RATE, abs=0.01)
    assert 0 < m.duration < 5


# --- TTS: Piper joe-medium ----------------------------------------------------------------


async def test_piper_speaks_a_sentence_through_the_framework(piper: PiperTTS) -> None:
    frames: list[rtc.AudioFrame] = []
    async with piper.synthesize("The capital of France is Paris.") as stream:
        async for event in stream:
            frames.append(event.frame)
    assert frames
    assert {(f.sample_rate, f.num_channels) for f in frames} == {(PIPER_RATE, 1)}
    audio = rtc.combine_audio_frames(frames)
    assert 0.8 < audio.duration < 5.0
    pcm = np.frombuffer(audio.data, dtype=np.int16).astype(np.float32)
    assert np.sqrt(np.mean(pcm**2)) > 500  # speech, not silence (int16 RMS)
    assert np.abs(pcm).max() > 5000


async def test_piper_duration_scales_with_text_and_length_scale(piper: PiperTTS) -> None:
    short = await piper.synthesize("Yes.").collect()
    long = await piper.synthesize("Yes. The weather tomorrow will be sunny and warm.").collect()
    assert 0.2 < short.duration < 2.0
    assert long.duration > 2 * short.duration

    slow = PiperTTS(options=PiperOptions(length_scale=1.5))
    slowed = await slow.synthesize("Yes. The weather tomorrow will be sunny and warm.").collect()
    assert slowed.duration > 1.25 * long.duration


async def test_piper_round_trips_through_moonshine(stt: MoonshineSTT) -> None:
    # Piper's default synthesis is random (noise_scale) and now and then Moonshine mishears
    # it ("weather" -> "water"); without the noise the clip is the same on every run
    piper = PiperTTS(options=PiperOptions(noise_scale=0.0, noise_w_scale=0.0))
    audio = await piper.synthesize("The weather today is sunny and warm.").collect()
    pcm = np.frombuffer(audio.data, dtype=np.int16).astype(np.float32)
    # 22.05 kHz -> 16 kHz by interpolation (no native resampler in tests)
    n_out = int(len(pcm) * RATE / PIPER_RATE)
    pcm16 = np.interp(np.arange(n_out) / RATE, np.arange(len(pcm)) / PIPER_RATE, pcm)
    text = (await _recognize(stt, pcm16.astype(np.int16))).lower()
    assert "weather" in text and "sunny" in text, text


# --- LLM: Qwen2.5 0.5B on llama.cpp -------------------------------------------------------


async def test_llm_answers_a_factual_question_with_usage(local_llm: LlamaCppLLM) -> None:
    response = await local_llm.chat(
        chat_ctx=_ctx("What is the capital of France? Answer in one sentence.")
    ).collect()
    assert "paris" in response.text.lower(), response.text
    assert response.usage is not None
    assert response.usage.prompt_tokens > 10
    assert 0 < response.usage.completion_tokens <= local_llm.engine.options.max_tokens
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )


async def test_llm_reuses_the_prompt_cache_for_a_repeated_prefix(local_llm: LlamaCppLLM) -> None:
    ctx = _ctx("Name one primary colour. One word.")
    await local_llm.chat(chat_ctx=ctx).collect()
    again = await local_llm.chat(chat_ctx=ctx).collect()
    assert again.usage is not None
    assert again.usage.prompt_cached_tokens > 0


async def test_llm_stream_closed_after_the_first_chunk_frees_the_model(
    local_llm: LlamaCppLLM,
) -> None:
    stream = local_llm.chat(
        chat_ctx=_ctx("Write a long story about a dragon, at least three hundred words."),
        conn_options=APIConnectOptions(max_retry=0, timeout=60),
    )
    first = await asyncio.wait_for(stream.__anext__(), 60)
    assert first.delta is not None and first.delta.content
    started = time.monotonic()
    await asyncio.wait_for(stream.aclose(), 10)
    assert time.monotonic() - started < 2.0  # generation stopped, not run to max_tokens

    # the single llama.cpp slot is free again: the next request answers normally
    started = time.monotonic()
    response = await asyncio.wait_for(
        local_llm.chat(chat_ctx=_ctx("What is the capital of France?")).collect(), 60
    )
    assert "paris" in response.text.lower(), response.text
    assert response.usage is not None and response.usage.completion_tokens < 60


async def test_llm_reports_metrics_with_ttft(local_llm: LlamaCppLLM) -> None:
    seen: list[metrics.LLMMetrics] = []
    local_llm.on("metrics_collected", seen.append)
    try:
        await local_llm.chat(chat_ctx=_ctx("Say hello.")).collect()
    finally:
        local_llm.off("metrics_collected", seen.append)
    [m] = seen
    assert 0 < m.ttft < m.duration
    assert m.completion_tokens > 0 and m.tokens_per_second > 0
