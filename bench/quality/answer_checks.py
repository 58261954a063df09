"""Scoring one reply of the answer eval.

A question passes when the reply names one of its expected keywords. A turn that is not a
question (thanks, a greeting, a quote, small talk) passes when the reply is not empty, is
neither a refusal nor an apology, and (when the turn lists any) picks up one of its
keywords: a fitting reply mentions what the user talked about.

Keywords match whole words after the WER normalisation (so "7" matches "seven" and "What's"
matches "what is"); a keyword may be a phrase ("blue whale"), and a trailing ``*`` matches a
word's start ("relax*" matches "relaxing"). A reply that asks the caller to say it again
fails too, but is named apart: for misheard words it is the right reply, not a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wer import normalise

TurnKind = Literal["question", "statement"]

# said instead of helping: these fail a statement turn (and name the failure on a question)
REFUSALS = (
    "can't assist",
    "cannot assist",
    "can not assist",
    "can't help with",
    "can not help with",
    "unable to",
    "not able to",
    "don't have the ability",
    "do not have the ability",
)
APOLOGIES = ("i'm sorry, but", "i am sorry, but", "i apologize", "sorry, i ")
# a request to say it again: the right reply to words that make no sense (a mishearing), and
# a failure still (the caller must repeat), but not a wrong answer
ASKS_AGAIN = (
    "say that again",
    "say it again",
    "repeat",
    "rephrase",
    "didn't catch",
    "did not catch",
    "didn't quite catch",
    "didn't understand",
    "did not understand",
    "didn't quite get",
)


@dataclass(frozen=True, slots=True)
class Turn:
    """``held_out``: added after the instructions were tuned on the others, and never looked
    at while tuning: their accuracy is what a new caller's questions would get."""

    text: str
    expect_any: tuple[str, ...] = ()
    kind: TurnKind = "question"
    held_out: bool = False


ASKED_AGAIN = "asked to repeat"


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    why: str  # the matched keyword, or what went wrong


def _matches(words: list[str], keyword: str) -> bool:
    pattern = normalise(keyword.rstrip("*"))
    if not pattern:
        return False
    prefix = keyword.endswith("*")
    n = len(pattern)
    for i in range(len(words) - n + 1):
        window = words[i : i + n]
        if window[:-1] != pattern[:-1]:
            continue
        last, want = window[-1], pattern[-1]
        if last == want or (prefix and last.startswith(want)):
            return True
    return False


def matched_keyword(reply: str, keywords: tuple[str, ...]) -> str | None:
    """The first of ``keywords`` the reply names, or None."""
    words = normalise(reply)
    return next((k for k in keywords if _matches(words, k)), None)


def unhelpful(reply: str) -> str | None:
    """The refusal or apology phrase in ``reply``, or None."""
    text = _lowered(reply)
    return next((p.strip() for p in (*REFUSALS, *APOLOGIES) if p in text), None)


def _lowered(reply: str) -> str:
    return " ".join(reply.lower().replace("\u2019", "'").split())


def asks_again(reply: str) -> bool:
    """Whether ``reply`` asks the caller to say it again."""
    text = _lowered(reply)
    return any(p in text for p in ASKS_AGAIN)


def judge(turn: Turn, reply: str) -> Verdict:
    if not reply.strip():
        return Verdict(False, "empty reply")
    keyword = matched_keyword(reply, turn.expect_any)
    if turn.kind == "question":
        if keyword is not None:
            return Verdict(True, keyword)
        if asks_again(reply):
            return Verdict(False, ASKED_AGAIN)
        refusal = unhelpful(reply)
        return Verdict(False, f"refused ({refusal})" if refusal else "no expected keyword")
    if asks_again(reply):  # the words were clear: asking again fails even a joke request
        return Verdict(False, ASKED_AGAIN)
    if refusal := unhelpful(reply):
        return Verdict(False, f"refused ({refusal})")
    if turn.expect_any and keyword is None:
        return Verdict(False, "does not pick up the turn")
    return Verdict(True, keyword or "fitting")


def accuracy(verdicts: list[Verdict]) -> float:
    """Share of passed turns (0 for none)."""
    return sum(v.ok for v in verdicts) / len(verdicts) if verdicts else 0.0
