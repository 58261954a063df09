"""bench/overlap_session.py's PacedSpeaker: what plays after a pause, as RoomIO does it (its
forwarder drops the source's queue once it takes a further frame while paused)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np
import pytest
from livekit import rtc

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH)]
from overlap_session import PacedSpeaker  # noqa: E402

RATE = 24_000


def _audio(seconds: float) -> rtc.AudioFrame:
    samples = int(seconds * RATE)
    return rtc.AudioFrame(np.full(samples, 1000, np.int16).tobytes(), RATE, 1, samples)


async def _paused_while_playing(seconds: float) -> tuple[float, float]:
    """Pause right after the first audio plays: (seconds played after the pause, seconds of
    the reply played in all)."""
    speaker = PacedSpeaker()
    await speaker.capture_frame(_audio(seconds))
    speaker.flush()
    await asyncio.wait_for(speaker.segment_started.wait(), 5)
    await asyncio.sleep(0.05)
    speaker.pause()
    played = speaker._played
    [stop] = speaker.stops
    await speaker.aclose()
    return stop.audio_ends_at - stop.called_at, played


async def test_a_pause_with_more_audio_waiting_drops_the_queue_after_one_frame() -> None:
    after, played = await _paused_while_playing(2.0)

    # the device held ~200 ms (and a 20 ms piece); after the pause at most the forwarder's
    # 50 ms frame and that piece play
    assert after <= 0.05 + 0.02 + 1e-6
    assert played < 0.5  # the dropped queue does not count as played


async def test_a_pause_at_the_end_of_a_reply_lets_the_queue_play() -> None:
    after, _ = await _paused_while_playing(0.19)

    # no further frame comes to find the output paused: the last ~140 ms still play
    assert after > 0.06
