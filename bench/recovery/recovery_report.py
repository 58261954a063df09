"""The recovery bench's figures and tables, apart from the stack and the caller (so they are
testable): one row per kill, and a summary where a kill after which no agent spoke again is
a failure, never a gap."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from stats import quantile

TARGET_S = 3.0  # issue 13: kill -9 to the new agent's first audio


@dataclass(frozen=True, slots=True)
class Trial:
    """One kill -9 of the call's job process and what followed."""

    kill_to_speech_s: float | None  # to the new agent's first audio; None: none was heard
    history_kept: bool  # the new agent's first line repeats the user's last words
    answered: bool  # the question asked after it got a spoken answer
    on_topic: bool  # ... holding an expected word
    first_line: str = ""
    answer: str = ""

    @property
    def recovered(self) -> bool:
        return self.kill_to_speech_s is not None


def asked_in_order(users: Iterable[str], keywords: Iterable[str]) -> bool:
    """Whether the stored user turns hold each question, found by its keyword (a word the
    recogniser keeps), in the order asked; other turns may come between."""
    stored = iter(u.lower() for u in users)
    return all(any(k.lower() in u for u in stored) for k in keywords)


def seconds(trials: list[Trial]) -> list[float]:
    """Kill to speech per trial; a trial that never recovered is infinitely slow."""
    return [math.inf if t.kill_to_speech_s is None else t.kill_to_speech_s for t in trials]


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _s(value: float) -> str:
    return "never" if math.isinf(value) else "–" if math.isnan(value) else f"{value:.2f}"


def trials_table(trials: list[Trial]) -> str:
    lines = [
        "| trial | recovered | kill → speech (s) | answered | history kept |",
        "|---|---|---|---|---|",
    ]
    for i, t in enumerate(trials, 1):
        answered = "yes" if t.on_topic else "off topic" if t.answered else "**no**"
        took = _s(math.inf) if t.kill_to_speech_s is None else _s(t.kill_to_speech_s)
        lines.append(
            f"| {i} | {_yes(t.recovered)} | {took} | {answered} | {_yes(t.history_kept)} |"
        )
    return "\n".join(lines)


def summary_table(trials: list[Trial], *, stored_in_order: bool) -> str:
    n = len(trials)
    took = seconds(trials)
    rows = [
        ("recovered", f"{sum(t.recovered for t in trials)}/{n}"),
        ("kill → speech p50 (s)", _s(quantile(took, 0.5))),
        ("kill → speech p95 (s)", _s(quantile(took, 0.95))),
        ("kill → speech max (s)", _s(max(took, default=math.nan))),
        ("answered on topic", f"{sum(t.on_topic for t in trials)}/{n}"),
        ("history kept (first line)", f"{sum(t.history_kept for t in trials)}/{n}"),
        ("every question stored, in order", _yes(stored_in_order)),
    ]
    return "\n".join(["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)])


def misses(trials: list[Trial], *, stored_in_order: bool, target_s: float = TARGET_S) -> list[str]:
    """The targets missed: every kill recovered, p95 within ``target_s``, every question
    answered on topic, the history kept and stored."""
    n = len(trials)
    if not n:
        return ["no trial ran"]
    out = []
    if failed := n - sum(t.recovered for t in trials):
        out.append(f"{failed} of {n} kills never recovered")
    p95 = quantile(seconds(trials), 0.95)
    if p95 > target_s:
        out.append(f"kill → speech p95 {_s(p95)} s (target at most {target_s:g} s)")
    if off := n - sum(t.on_topic for t in trials):
        out.append(f"{off} of {n} questions after a kill not answered on topic")
    if lost := n - sum(t.history_kept for t in trials):
        out.append(f"{lost} of {n} new agents did not repeat the user's last words")
    if not stored_in_order:
        out.append("the stored transcript misses a question or has them out of order")
    return out
