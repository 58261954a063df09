"""Backchannels: "mm-hm", "uh-huh", "yeah" said while the agent is replying mean "go on",
not "stop". The VAD pauses the reply as for any speech; a transcript of such words alone
is emptied here, so the framework does not end the reply for good or answer it, and the
false-interruption timer resumes the reply (``AGENT_TURN__FALSE_INTERRUPTION_TIMEOUT_S``).
Outside a reply the words pass: "yeah" can answer a question."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable

from livekit.agents import stt

logger = logging.getLogger(__name__)
BACKCHANNEL_WORDS = frozenset(
    ("m", "mm", "mmm", "hm", "hmm", "hmmm", "mhm", "mhmm", "mmhmm", "uh", "huh", "um", "ah")
    + ("aha", "oh", "uhhuh", "uhuh", "yeah", "yep", "yup", "okay", "ok", "right")
    # Moonshine's cut-short spellings: "Uh-hu", "u"
    + ("hu", "u")
)
_WORD = re.compile(r"[a-z']+")
_TRANSCRIPTS = (
    stt.SpeechEventType.INTERIM_TRANSCRIPT,
    stt.SpeechEventType.PREFLIGHT_TRANSCRIPT,
    stt.SpeechEventType.FINAL_TRANSCRIPT,
)


def is_backchannel(text: str) -> bool:
    """At most three words, every one a backchannel ("Mm-hmm.", "Uh-huh, yeah.")."""
    words = _WORD.findall(text.lower().replace("-", " "))
    return 0 < len(words) <= 3 and all(w in BACKCHANNEL_WORDS for w in words)


async def drop_backchannels(
    events: AsyncIterable[stt.SpeechEvent | str], *, replying: Callable[[], bool]
) -> AsyncIterator[stt.SpeechEvent | str]:
    """``events`` with backchannel-only transcripts emptied while ``replying()``."""
    async for ev in events:
        if (
            isinstance(ev, stt.SpeechEvent)
            and ev.type in _TRANSCRIPTS
            and ev.alternatives
            and is_backchannel(ev.alternatives[0].text)
            and replying()
        ):
            heard = ev.alternatives[0]
            logger.debug("backchannel dropped", extra={"lk.pii.user_transcript": heard.text})
            ev = dataclasses.replace(
                ev, alternatives=[dataclasses.replace(heard, text="", words=None)]
            )
        yield ev
