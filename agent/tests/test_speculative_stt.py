"""The speculative STT adapter on the real Silero VAD and Moonshine: the transcript made
during the silence wait is used when no speech follows, and dropped when it does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import APIConnectOptions, stt, utils
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from voice_agent.local_models.speculative_stt import SpeculativeStreamAdapter
from voice_agent.local_models.stt import LocalSTT, MoonshineSTT
from voice_agent.providers.local import Providers

pytestmark = pytest.mark.models

RATE = 16000
FRAME = RATE // 50  # 20 ms, what RoomIO delivers


class CountingSTT(stt.STT):
    """The real Moonshine, counting the clips it is given (their lengths, in seconds).
    ``fails_first``: the first transcription fails (a model host that timed out)."""

    def __init__(self, inner: stt.STT, *, fails_first: bool = False) -> None:
        super().__init__(capabilities=inner.capabilities)
        self.inner = inner
        self.fails_first = fails_first
        self.clips: list[float] = []

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        frame = rtc.combine_audio_frames(buffer) if isinstance(buffer, list) else buffer
        self.clips.append(frame.duration)
        if self.fails_first and len(self.clips) == 1:
            raise RuntimeError("the model host did not answer in time")
        return await self.inner.recognize(buffer=frame, conn_options=conn_options)


def trimmed(pcm: np.ndarray) -> np.ndarray:
    """Without the trailing near-silence Piper ends a clip with."""
    voiced = np.flatnonzero(np.abs(pcm) > 300)
    return pcm[: int(voiced[-1]) + 1]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


async def transcribe(adapter: stt.STT, pcm: np.ndarray) -> list[stt.SpeechEvent]:
    stream = adapter.stream()
    for start in range(0, len(pcm) - FRAME + 1, FRAME):
        chunk = pcm[start : start + FRAME]
        stream.push_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, FRAME))
    stream.end_input()
    events = [ev async for ev in stream]
    await stream.aclose()
    return events


def finals(events: list[stt.SpeechEvent]) -> list[str]:
    return [
        ev.alternatives[0].text for ev in events if ev.type == stt.SpeechEventType.FINAL_TRANSCRIPT
    ]


@pytest.fixture
def counting(providers: Providers) -> Any:
    return CountingSTT(providers.stt)


async def test_the_guess_made_during_the_silence_is_the_final_transcript(
    providers: Providers, counting: CountingSTT, speech: Callable[[str], np.ndarray]
) -> None:
    adapter = SpeculativeStreamAdapter(stt=counting, vad=providers.vad, speculate_after_s=0.1)
    pcm = np.concatenate([silence(0.5), speech("What is the capital of France?"), silence(0.8)])
    events = await transcribe(adapter, pcm)

    kinds = [ev.type for ev in events]
    assert kinds[0] == stt.SpeechEventType.START_OF_SPEECH
    assert kinds[-1] == stt.SpeechEventType.FINAL_TRANSCRIPT
    # the guess went out as an interim transcript too, with the same words as the final
    interims = [ev for ev in events if ev.type == stt.SpeechEventType.INTERIM_TRANSCRIPT]
    assert [ev.alternatives[0].text for ev in interims] == finals(events)
    assert "capital of France" in finals(events)[0]
    assert len(counting.clips) == 1  # the guess, not a second transcription at the end


async def test_speech_after_the_guess_drops_it_and_transcribes_the_whole_utterance(
    providers: Providers, counting: CountingSTT, speech: Callable[[str], np.ndarray]
) -> None:
    # a 0.08 s pause: longer than speculate_after_s, shorter than the VAD's 0.2 s wait
    vad = providers.vad
    adapter = SpeculativeStreamAdapter(stt=counting, vad=vad, speculate_after_s=0.03)
    pcm = np.concatenate(
        [
            silence(0.5),
            trimmed(speech("Remember that")),
            silence(0.08),
            speech("my sister is Anna."),
            silence(0.8),
        ]
    )
    events = await transcribe(adapter, pcm)

    texts = finals(events)
    assert len(texts) == 1
    assert "Remember" in texts[0] and "Anna" in texts[0]
    assert len(counting.clips) >= 2
    # the final transcription heard the whole utterance, longer than the dropped guess
    assert counting.clips[-1] > counting.clips[0]


async def test_without_a_silence_long_enough_it_transcribes_at_the_end_as_before(
    providers: Providers, counting: CountingSTT, speech: Callable[[str], np.ndarray]
) -> None:
    adapter = SpeculativeStreamAdapter(stt=counting, vad=providers.vad, speculate_after_s=5.0)
    pcm = np.concatenate([silence(0.5), speech("What is two plus two?"), silence(0.8)])
    events = await transcribe(adapter, pcm)
    assert "two plus two" in finals(events)[0].lower()
    assert len(counting.clips) == 1


async def transcribe_live(adapter: stt.STT, pcm: np.ndarray) -> list[stt.SpeechEvent]:
    """As ``transcribe``, at the pace a caller speaks (the transcripts of speech so far are
    made while it goes on)."""
    stream = adapter.stream()
    events: list[stt.SpeechEvent] = []

    async def read() -> None:
        async for ev in stream:
            events.append(ev)

    reader = asyncio.create_task(read())
    for start in range(0, len(pcm) - FRAME + 1, FRAME):
        chunk = pcm[start : start + FRAME]
        stream.push_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, FRAME))
        await asyncio.sleep(FRAME / RATE)
    stream.end_input()
    await reader
    await stream.aclose()
    return events


async def tell_a_story(
    engine: stt.STT, providers: Providers, speech: Callable[[str], np.ndarray]
) -> tuple[list[stt.SpeechEvent], int]:
    """A 4.5 s sentence at a caller's pace, transcribed every 0.5 s of speech while it goes
    on: its events, and where the end of speech is among them."""
    adapter = SpeculativeStreamAdapter(
        stt=engine, vad=providers.vad, speculate_after_s=0.06, partial_every_s=0.5
    )
    words = "Tell me a short story about a dragon who lives in the mountains and keeps gold."
    pcm = np.concatenate([silence(0.5), speech(words), silence(0.8)])
    events = await transcribe_live(adapter, pcm)
    return events, [ev.type for ev in events].index(stt.SpeechEventType.END_OF_SPEECH)


async def test_while_the_user_talks_the_words_so_far_go_out_as_interim_transcripts(
    providers: Providers, counting: CountingSTT, speech: Callable[[str], np.ndarray]
) -> None:
    events, end = await tell_a_story(counting, providers, speech)
    during = [
        ev.alternatives[0].text
        for ev in events[:end]
        if ev.type == stt.SpeechEventType.INTERIM_TRANSCRIPT
    ]
    # several, each of more of the sentence, before the user stopped
    assert len(during) >= 3, during
    assert len(during[-1]) > len(during[0])
    # the final transcript is the whole utterance's (a partial one is never used as it),
    # and begins with the last words heard before the end (a word cut short may differ)
    texts = finals(events)
    assert len(texts) == 1 and "gold" in texts[0].lower()
    assert texts[0].startswith(during[-1].rsplit(" ", 1)[0])
    assert events[-1].type == stt.SpeechEventType.FINAL_TRANSCRIPT


class BusySTT(LocalSTT):
    """The real Moonshine, as if another call's transcription always held the engine when a
    transcript of the speech so far is asked for."""

    def __init__(self, inner: LocalSTT) -> None:
        super().__init__(inner.model)
        self.inner = inner
        self.refused = 0

    def transcribe(self, pcm: np.ndarray) -> str:
        return self.inner.transcribe(pcm)

    def try_transcribe(self, pcm: np.ndarray) -> str | None:
        self.refused += 1
        return None


async def test_on_a_busy_engine_the_words_so_far_are_skipped_not_queued_or_failed(
    providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    assert isinstance(providers.stt, LocalSTT)
    busy = BusySTT(providers.stt)
    errors: list[object] = []
    busy.on("error", errors.append)
    events, end = await tell_a_story(busy, providers, speech)
    assert busy.refused >= 3  # asked for while the user talked, and refused each time
    assert stt.SpeechEventType.INTERIM_TRANSCRIPT not in [ev.type for ev in events[:end]]
    assert errors == []  # a refusal is not an STT error
    texts = finals(events)  # the turn's own transcript is unaffected
    assert len(texts) == 1 and "gold" in texts[0].lower()


def test_moonshine_refuses_a_droppable_transcript_while_it_runs_another(
    providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    engine = providers.stt
    assert isinstance(engine, MoonshineSTT)
    pcm = speech("What is the capital of France?").astype(np.float32) / 32768.0
    assert "France" in engine.transcribe(pcm)
    with engine._lock:  # another transcription running
        assert engine.try_transcribe(pcm) is None
    assert "France" in (engine.try_transcribe(pcm) or "")


async def test_a_failed_transcription_loses_that_utterance_not_the_hearing(
    providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    failing = CountingSTT(providers.stt, fails_first=True)
    adapter = SpeculativeStreamAdapter(stt=failing, vad=providers.vad, speculate_after_s=5.0)
    errors: list[Any] = []
    adapter.on("error", errors.append)
    pcm = np.concatenate(
        [
            silence(0.5),
            speech("What is the capital of France?"),
            silence(0.8),
            speech("What is the capital of Italy?"),
            silence(0.8),
        ]
    )
    events = await transcribe(adapter, pcm)

    texts = finals(events)
    assert len(texts) == 1 and "Italy" in texts[0]  # the next question is still heard
    assert [e.recoverable for e in errors] == [True]  # counted, and the session goes on
