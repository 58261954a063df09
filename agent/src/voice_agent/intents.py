"""A small, deterministic matcher for the requests the assistant answers without the LLM:
the time, the date, saving a note, and reading the notes back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

IntentKind = Literal["time", "date", "remember", "recall"]


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    text: str = ""  # the note, for "remember"


_POLITE = r"(?:(?:hey|ok|okay|so|and|please|um|uh)[, ]+)*(?:(?:can|could|would) you (?:please )?)?"
_RECALL = re.compile(
    r"\b(?:what (?:did|have) i (?:ask|asked|tell|told) you to (?:remember|note)"
    r"|what do you remember|what (?:are|were) my notes|(?:read|tell) me my notes"
    r"|what notes do you have|do you remember what i (?:said|told you|asked))\b"
)
_SAVE = r"(?:remember|note down|note|make a note|write down)"
_REMEMBER = re.compile(rf"^{_POLITE}{_SAVE}(?: that| this)?[,:]? (?P<text>.+)$")
_TIME = re.compile(
    r"\b(?:what(?:'s| is)? the (?:current )?time|what time is it|(?:tell|give) me the time"
    r"|what time (?:do we have|is it now)|do you (?:know|have) the time)\b"
)
_DATE = re.compile(
    r"\b(?:what(?:'s| is)? (?:the |today's )(?:date|day)|what day is (?:it|today)"
    r"|what(?:'s| is) today|which day is (?:it|today)|what date is (?:it|today))\b"
)


def _normalise(transcript: str) -> str:
    text = transcript.replace("\u2019", "'").strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .!?")


def match_intent(transcript: str) -> Intent | None:
    """The clear intent of a user's turn, or None (then the LLM answers)."""
    text = _normalise(transcript)
    if not text:
        return None
    if _RECALL.search(text):
        return Intent("recall")
    if (m := _REMEMBER.match(text)) and not m.group("text").startswith(("what", "when", "how")):
        # keep the user's own casing: the same span of the original words
        original = re.sub(r"\s+", " ", transcript.replace("\u2019", "'").strip()).strip(" .!?")
        note = original[m.start("text") : m.end("text")] if len(original) == len(text) else ""
        return Intent("remember", (note or m.group("text")).strip(" .!?"))
    if _TIME.search(text):
        return Intent("time")
    if _DATE.search(text):
        return Intent("date")
    return None
