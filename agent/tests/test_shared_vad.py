"""One VAD inference per call: the session's and the transcriber's streams share it."""

from __future__ import annotations

import asyncio

import pytest
from livekit import rtc
from livekit.agents import vad
from voice_agent.shared_vad import SharedVAD

pytestmark = pytest.mark.unit


class EchoVAD(vad.VAD):
    """An event per frame pushed, carrying that frame: shows which audio was inferred."""

    def __init__(self) -> None:
        super().__init__(capabilities=vad.VADCapabilities(update_interval=0.032))
        self.streams: list[_EchoStream] = []

    def stream(self) -> vad.VADStream:
        stream = _EchoStream(self)
        self.streams.append(stream)
        return stream


class _EchoStream(vad.VADStream):
    flushes = 0
    closed = False

    async def _main_task(self) -> None:
        async for item in self._input_ch:
            if isinstance(item, self._FlushSentinel):
                self.flushes += 1
                continue
            event = vad.VADEvent(vad.VADEventType.INFERENCE_DONE, 0, 0.0, 0.0, 0.0, frames=[item])
            self._event_ch.send_nowait(event)

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


def frame(value: int) -> rtc.AudioFrame:
    return rtc.AudioFrame(
        bytes([value, 0]) * 320, sample_rate=16000, num_channels=1, samples_per_channel=320
    )


def heard(event: vad.VADEvent) -> int:
    return bytes(event.frames[0].data.cast("B"))[0]


async def next_heard(stream: vad.VADStream) -> int:
    return heard(await asyncio.wait_for(stream.__anext__(), 5))


async def test_one_inference_fed_the_transcribers_audio_serves_both() -> None:
    inner = EchoVAD()
    shared = SharedVAD(inner)
    session = shared.stream()
    transcriber = shared.transcriber().stream()
    for n in (1, 2):
        session.push_frame(frame(100 + n))  # the microphone
        transcriber.push_frame(frame(n))  # what the framework gave the STT
    assert [await next_heard(session) for _ in range(2)] == [1, 2]
    assert [await next_heard(transcriber) for _ in range(2)] == [1, 2]
    assert len(inner.streams) == 1
    await session.aclose()
    await transcriber.aclose()
    assert inner.streams[0].closed


async def test_the_session_feeds_while_no_transcriber_is_open() -> None:
    inner = EchoVAD()
    shared = SharedVAD(inner)
    session = shared.stream()
    session.push_frame(frame(7))
    assert await next_heard(session) == 7
    transcriber = shared.transcriber().stream()
    session.push_frame(frame(8))
    transcriber.push_frame(frame(9))
    assert await next_heard(session) == 9
    await transcriber.aclose()  # the transcriber gone: the session feeds again
    session.push_frame(frame(10))
    assert await next_heard(session) == 10
    assert len(inner.streams) == 1
    await session.aclose()


async def test_only_the_feeding_streams_flush_reaches_the_inference() -> None:
    inner = EchoVAD()
    shared = SharedVAD(inner)
    session = shared.stream()
    transcriber = shared.transcriber().stream()
    transcriber.push_frame(frame(1))
    await next_heard(session)
    session.flush()  # not the feeder: dropped
    transcriber.flush()
    transcriber.push_frame(frame(2))
    assert await next_heard(session) == 2
    assert inner.streams[0].flushes == 1
    await session.aclose()
    await transcriber.aclose()


async def test_the_last_stream_to_end_gets_the_events_of_all_it_fed() -> None:
    shared = SharedVAD(EchoVAD())
    transcriber = shared.transcriber().stream()
    for n in range(5):
        transcriber.push_frame(frame(n))
    transcriber.end_input()  # at once: nothing inferred yet
    assert [heard(event) async for event in transcriber] == [0, 1, 2, 3, 4]
