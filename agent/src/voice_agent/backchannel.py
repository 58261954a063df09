"""Backchannels: "mm-hm", "uh-huh", "yeah" said while the agent is replying mean "go on",
not "stop". The VAD pauses the reply as for any speech; a transcript of such words alone
is emptied here, so the framework does not end the reply for good or answer it, and the
false-interruption timer resumes the reply (``AGENT_TURN__FALSE_INTERRUPTION_TIMEOUT_S``).
Outside a reply the words pass: "yeah" can answer a question.

Moonshine hears some hums as words ("Mm-hmm." as "A mem.", "Amend them."); no word list
should chase those. With a :class:`~voice_agent.hum.HumMeter` on the caller's audio, a
short transcript (``MAX_HUM_WORDS``) of an utterance that sounded like a hum is dropped
too, unless it has a word that asks the agent to stop or listen (``INTERRUPTING_WORDS``:
"Stop.", "No.", "Hold on.", "Mom?" heard right still end the reply)."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable

from livekit.agents import stt

from .hum import HumMeter

logger = logging.getLogger(__name__)
BACKCHANNEL_WORDS = frozenset(
    ("m", "mm", "mmm", "hm", "hmm", "hmmm", "mhm", "mhmm", "mmhmm", "uh", "huh", "um", "ah")
    + ("aha", "oh", "uhhuh", "uhuh", "yeah", "yep", "yup", "okay", "ok", "right")
    # Moonshine's cut-short spellings: "Uh-hu", "u"
    + ("hu", "u")
)
# words that make a short utterance a request, whatever it sounded like
INTERRUPTING_WORDS = frozenset(
    ("stop", "wait", "no", "nope", "not", "hold", "hang", "on", "sorry", "pardon", "excuse")
    + ("actually", "but", "hey", "hello", "hi", "listen", "enough", "never", "mind", "mean")
    + ("what", "why", "how", "who", "where", "when", "which", "can", "could", "please")
    + ("again", "repeat", "second", "sec", "minute", "moment", "help")
    # a request speaks to the agent: "Do you hear me?" (a close-vowelled, bass-heavy voice
    # reads as a hum)
    + ("you",)
)
MAX_HUM_WORDS = 3  # Moonshine's hearings of a hum: "A mem.", "Amen, M.", "It means them."
_WORD = re.compile(r"[a-z']+")
_TRANSCRIPTS = (
    stt.SpeechEventType.INTERIM_TRANSCRIPT,
    stt.SpeechEventType.PREFLIGHT_TRANSCRIPT,
    stt.SpeechEventType.FINAL_TRANSCRIPT,
)


def is_backchannel(text: str) -> bool:
    """At most three words, every one a backchannel ("Mm-hmm.", "Uh-huh, yeah.")."""
    words = _words(text)
    return 0 < len(words) <= 3 and all(w in BACKCHANNEL_WORDS for w in words)


def is_misheard_hum(text: str, *, sounded_like_hum: bool) -> bool:
    """A few words, none of them interrupting, heard from an utterance that sounded like a hum."""
    words = _words(text)
    return (
        sounded_like_hum
        and 0 < len(words) <= MAX_HUM_WORDS
        and not INTERRUPTING_WORDS.intersection(words)
    )


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("-", " "))


async def drop_backchannels(
    events: AsyncIterable[stt.SpeechEvent | str],
    *,
    replying: Callable[[], bool],
    meter: HumMeter | None = None,
) -> AsyncIterator[stt.SpeechEvent | str]:
    """``events`` with backchannel-only transcripts emptied while ``replying()``; with
    ``meter`` (fed the same audio), misheard hums too."""
    async for ev in events:
        if isinstance(ev, stt.SpeechEvent):
            if ev.type == stt.SpeechEventType.START_OF_SPEECH and meter is not None:
                meter.speech_started()
            if ev.type in _TRANSCRIPTS and ev.alternatives and _dropped(ev, replying, meter):
                heard = ev.alternatives[0]
                ev = dataclasses.replace(
                    ev, alternatives=[dataclasses.replace(heard, text="", words=None)]
                )
        yield ev


def _dropped(ev: stt.SpeechEvent, replying: Callable[[], bool], meter: HumMeter | None) -> bool:
    text = ev.alternatives[0].text
    if not text.strip() or not replying():
        return False
    if is_backchannel(text):
        logger.debug("backchannel dropped", extra={"lk.pii.user_transcript": text})
        return True
    if meter is None:
        return False
    reading = meter.heard()
    if not is_misheard_hum(text, sounded_like_hum=reading.is_hum):
        return False
    logger.debug(
        "hum dropped",
        extra={
            "lk.pii.user_transcript": text,
            "murmur_share": round(reading.murmur_share, 2),
            "voiced_s": round(reading.voiced_s, 2),
        },
    )
    return True
