"""Transcript pacing by loudness: speaking in each 100 ms step above the silence threshold,
still in pauses, and installed for the framework's transcript synchronizer."""

from __future__ import annotations

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import io
from livekit.agents.voice.transcription import _speaking_rate, synchronizer
from voice_agent.transcript_pacing import (
    LoudnessRateDetector,
    LoudnessRateStream,
    use_loudness_pacing,
)

pytestmark = pytest.mark.unit

RATE = 24000  # the openai TTS's PCM


def _frames(audio: np.ndarray, frame_ms: int = 10) -> list[rtc.AudioFrame]:
    n = RATE * frame_ms // 1000
    return [
        rtc.AudioFrame(audio[i : i + n].tobytes(), RATE, 1, audio[i : i + n].size)
        for i in range(0, audio.size, n)
    ]


async def _events(audio: np.ndarray) -> list[_speaking_rate.SpeakingRateEvent]:
    stream = LoudnessRateDetector().stream()
    for frame in _frames(audio):
        stream.push_frame(frame)
    stream.end_input()
    return [ev async for ev in stream]


async def test_speech_counts_and_a_pause_does_not() -> None:
    voice = (np.random.default_rng(1).normal(0, 3000, RATE)).astype(np.int16)
    pause = np.zeros(RATE // 2, dtype=np.int16)
    tail = voice[: RATE // 20]  # 50 ms left at the end: one shorter step
    events = await _events(np.concatenate([voice, pause, voice, tail]))
    assert [e.speaking_rate for e in events] == [1.0] * 10 + [0.0] * 5 + [1.0] * 11
    assert [e.speaking for e in events] == [e.speaking_rate == 1.0 for e in events]
    # the middle of each step, the last one shorter
    assert [round(e.timestamp, 3) for e in events[:2]] == [0.05, 0.15]
    assert events[-1].timestamp == pytest.approx(2.5 + 0.025)


async def test_quiet_audio_is_silence() -> None:
    hiss = (np.random.default_rng(2).normal(0, 50, RATE)).astype(np.int16)
    events = await _events(hiss)
    assert len(events) == 10
    assert not any(e.speaking for e in events)


async def test_the_framework_synchronizer_paces_by_loudness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # restored after the test: the installation is process-wide
    monkeypatch.setattr(synchronizer, "SpeakingRateDetector", synchronizer.SpeakingRateDetector)
    use_loudness_pacing()

    class Sink(io.AudioOutput):
        async def capture_frame(self, frame: rtc.AudioFrame) -> None:
            pass

        def flush(self) -> None:
            pass

        def clear_buffer(self) -> None:
            pass

    sync = synchronizer.TranscriptSynchronizer(
        next_in_chain_audio=Sink(
            label="sink", capabilities=io.AudioOutputCapabilities(pause=False)
        ),
        next_in_chain_text=None,
    )
    assert isinstance(sync._impl._audio_data.sr_stream, LoudnessRateStream)
    await sync.aclose()
