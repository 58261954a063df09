"""Backchannel transcripts ("mm-hm" while the agent replies) are emptied; nothing else is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from livekit.agents import stt
from voice_agent.backchannel import drop_backchannels, is_backchannel

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
