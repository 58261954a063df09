"""Backchannel transcripts ("mm-hm" while the agent replies) are emptied, and a few words
heard from what sounded like a hum; nothing else is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
from livekit import rtc
from livekit.agents import stt
from speech_helpers import SHORT_INTERRUPTIONS
from voice_agent.backchannel import drop_backchannels, is_backchannel, is_misheard_hum
from voice_agent.hum import HumMeter

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text", ["Mm-hmm.", "Uh-huh, yeah.", "Hmm", "okay", "Mhm. Right.", "Uh-hu", "M. M."]
)
def test_backchannels(text: str) -> None:
    assert is_backchannel(text)


@pytest.mark.parametrize(
    "text", ["", "Stop.", "Wait, what?", "Yeah, what time is it?", "okay okay okay okay", "No."]
)
def test_not_backchannels(text: str) -> None:
    assert not is_backchannel(text)


def _final(text: str) -> stt.SpeechEvent:
    return stt.SpeechEvent(
        type=stt.SpeechEventType.FINAL_TRANSCRIPT,
        alternatives=[stt.SpeechData(language="en", text=text, confidence=0.9)],
    )


async def _events(*events: stt.SpeechEvent | str) -> AsyncIterator[stt.SpeechEvent | str]:
    for ev in events:
        yield ev


async def _texts(replying: bool, *events: stt.SpeechEvent | str) -> list[str]:
    out = []
    async for ev in drop_backchannels(_events(*events), replying=lambda: replying):
        assert isinstance(ev, stt.SpeechEvent)
        out.append(ev.alternatives[0].text if ev.alternatives else ev.type.value)
    return out


async def test_backchannels_are_emptied_only_while_the_agent_replies() -> None:
    start = stt.SpeechEvent(type=stt.SpeechEventType.START_OF_SPEECH)
    heard = (start, _final("Mm-hmm."), _final("Stop, what time is it?"))
    assert await _texts(True, *heard) == ["start_of_speech", "", "Stop, what time is it?"]
    assert await _texts(False, *heard) == ["start_of_speech", "Mm-hmm.", "Stop, what time is it?"]


async def test_the_emptied_event_keeps_its_type_and_language() -> None:
    [ev] = [e async for e in drop_backchannels(_events(_final("Uh-huh")), replying=lambda: True)]
    assert isinstance(ev, stt.SpeechEvent)
    assert ev.type == stt.SpeechEventType.FINAL_TRANSCRIPT
    assert ev.alternatives[0].language == "en" and ev.alternatives[0].text == ""


@pytest.mark.parametrize("text", ["A mem.", "Amend them.", "Amen, M.", "In a mum.", "M. H. M.."])
def test_a_few_words_heard_from_a_hum_are_a_misheard_hum(text: str) -> None:
    assert is_misheard_hum(text, sounded_like_hum=True)
    assert not is_misheard_hum(text, sounded_like_hum=False)


@pytest.mark.parametrize(
    "text",
    [
        *SHORT_INTERRUPTIONS,
        "Actually, I meant Tuesday.",
        "Do you hear me?",
        "It was the best of times.",  # too many words for a hum
        "",
    ],
)
def test_interrupting_or_long_transcripts_are_never_a_hum(text: str) -> None:
    assert not is_misheard_hum(text, sounded_like_hum=True)


def _meter_that_heard(pcm: np.ndarray) -> HumMeter:
    meter = HumMeter(active=lambda: True)
    data = (pcm * 32767).astype(np.int16)
    for i in range(0, len(data) - 320 + 1, 320):
        meter.push(rtc.AudioFrame(data[i : i + 320].tobytes(), 16000, 1, 320))
    return meter


def _tone(peak_hz: float) -> np.ndarray:
    """0.4 s of a 120 Hz voice with one resonance at ``peak_hz``."""
    t = np.arange(6400) / 16000
    pcm = sum(
        np.sin(2 * np.pi * 120 * k * t) / (1 + ((120 * k - peak_hz) / 80) ** 2)
        for k in range(1, 33)
    )
    return (0.2 * pcm / np.abs(pcm).max()).astype(np.float32)


async def test_a_misheard_hum_is_emptied_only_when_it_sounded_like_one() -> None:
    start = stt.SpeechEvent(type=stt.SpeechEventType.START_OF_SPEECH)
    for pcm, expected in ((_tone(250), ""), (_tone(800), "A mem.")):
        meter = _meter_that_heard(pcm)
        events = drop_backchannels(
            _events(start, _final("A mem.")), replying=lambda: True, meter=meter
        )
        texts = [ev.alternatives[0].text async for ev in events if ev.alternatives]  # type: ignore[union-attr]
        assert texts == [expected]
