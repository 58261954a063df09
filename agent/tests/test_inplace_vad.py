"""The Silero VAD with its inference run in place: the same probabilities as the plugin's
own stream, and no window through the thread pool."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import vad
from livekit.plugins import silero
from voice_agent.providers.local import local_vad
from voice_agent.providers.vad import InPlaceSileroVAD
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

RATE = 16000


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.calls = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().submit(fn, *args, **kwargs)


def _audio(seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    voiced = np.sin(2 * np.pi * 180 * t) * np.sin(2 * np.pi * 3 * t) * 9000
    noise = np.random.default_rng(7).normal(0, 400, t.size)
    return (voiced + noise).astype(np.int16)


async def _probabilities(model: vad.VAD, audio: np.ndarray) -> list[float]:
    stream = model.stream()
    for i in range(0, audio.size, 320):  # the room input's 20 ms frames
        chunk = audio[i : i + 320]
        stream.push_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, chunk.size))
    stream.end_input()
    return [ev.probability async for ev in stream if ev.type == vad.VADEventType.INFERENCE_DONE]


async def test_in_place_inference_matches_the_plugin_without_the_thread_pool() -> None:
    audio = _audio()
    expected = await _probabilities(silero.VAD.load(), audio)
    executor = CountingExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    got = await _probabilities(InPlaceSileroVAD.load(), audio)
    assert len(got) == audio.size // 512  # one per 32 ms window at 16 kHz
    assert got == pytest.approx(expected, abs=1e-6)
    assert executor.calls == 0


async def test_a_failing_inference_raises_where_the_plugin_awaits_it() -> None:
    stream = InPlaceSileroVAD.load().stream()

    def broken(_window: np.ndarray) -> float:
        raise RuntimeError("onnx failed")

    with pytest.raises(RuntimeError, match="onnx failed"):
        await stream._loop.run_in_executor(None, broken, np.zeros(512, np.float32))
    await stream.aclose()


def test_the_session_vad_is_in_place_at_the_room_input_rate() -> None:
    model = local_vad(AgentSettings())
    assert isinstance(model, InPlaceSileroVAD)
    assert model._opts.sample_rate == RATE
