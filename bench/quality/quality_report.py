"""Markdown tables of the quality bench: word error rates by voice and noise, the most
frequent mishearings, answer accuracy and the failed turns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from answer_checks import ASKED_AGAIN, Turn, Verdict
from wer import Alignment, pooled_wer


@dataclass(frozen=True, slots=True)
class Heard:
    """One clip heard by the agent: who spoke it, in which condition, and how it went."""

    voice: str
    condition: str
    reference: str
    transcript: str
    alignment: Alignment


@dataclass(frozen=True, slots=True)
class Answered:
    turn: Turn
    reply: str
    verdict: Verdict
    heard: str | None = None  # the transcript of the spoken turn, for the spoken column
    spoken_reply: str | None = None
    spoken_verdict: Verdict | None = None


def _cell(alignments: list[Alignment]) -> str:
    if not alignments:
        return "–"
    words = sum(a.reference_words for a in alignments)
    return f"{100 * pooled_wer(alignments):.1f} % ({words} w)"


def wer_table(heard: list[Heard], conditions: Iterable[str]) -> str:
    """Rows: voices (then all synthetic voices pooled); columns: conditions. A cell: the
    pooled WER and the reference words behind it."""
    conditions = list(conditions)
    voices = list(dict.fromkeys(h.voice for h in heard))
    lines = [
        "| voice | " + " | ".join(conditions) + " |",
        "|---|" + "---:|" * len(conditions),
    ]
    by_cell: dict[tuple[str, str], list[Alignment]] = {}
    for h in heard:
        by_cell.setdefault((h.voice, h.condition), []).append(h.alignment)
    for voice in voices:
        cells = [_cell(by_cell.get((voice, c), [])) for c in conditions]
        lines.append(f"| {voice} | " + " | ".join(cells) + " |")
    synthetic = [v for v in voices if v.startswith(("piper", "espeak"))]
    if len(synthetic) > 1:
        cells = [_cell([a for v in synthetic for a in by_cell.get((v, c), [])]) for c in conditions]
        lines.append("| **all synthetic voices** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def confusions(heard: list[Heard], n: int = 12) -> list[tuple[tuple[str, str], int]]:
    """The most frequent word errors: (reference word, heard word) with "" for a missing
    side, and how often."""
    counts = Counter(e for h in heard for e in h.alignment.errors)
    return counts.most_common(n)


def confusions_line(heard: list[Heard], n: int = 12) -> str:
    def show(pair: tuple[str, str]) -> str:
        ref, hyp = pair
        if not ref:
            return f"+“{hyp}”"
        if not hyp:
            return f"−“{ref}”"
        return f"“{ref}”→“{hyp}”"

    items = [f"{show(pair)} ×{count}" for pair, count in confusions(heard, n)]
    return ", ".join(items) if items else "none"


def worst_clips(heard: list[Heard], n: int = 8) -> list[Heard]:
    """The clips with the most word errors (then the highest rate)."""
    wrong = [h for h in heard if h.alignment.edits]
    return sorted(wrong, key=lambda h: (-h.alignment.edits, -h.alignment.wer))[:n]


def _share(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return "–"
    passed = sum(v.ok for v in verdicts)
    return f"{100 * passed / len(verdicts):.0f} % ({passed}/{len(verdicts)})"


def answers_table(answered: list[Answered], spoken_voice: str | None) -> str:
    """Rows: questions and other turns, of the tuning set and of the held-out set (when the
    run has any), then all; a cell: the share passed. The last column counts the spoken
    turns whose reply asked the caller to say it again."""
    header = "| turns | n | typed |" + (
        f" spoken ({spoken_voice}) | spoken: asked to repeat |" if spoken_voice else ""
    )
    lines = [header, "|---|---:|---:|" + ("---:|---:|" if spoken_voice else "")]
    sets = (("", False), (", held out", True))
    groups = [
        (f"{name}{label}", [a for a in answered if a.turn.kind == kind and a.turn.held_out == held])
        for label, held in sets
        for name, kind in (
            ("questions (expected keyword)", "question"),
            ("not questions (fitting reply)", "statement"),
        )
    ]
    groups.append(("**all**", answered))
    for name, items in groups:
        if not items:
            continue
        row = f"| {name} | {len(items)} | {_share([a.verdict for a in items])} |"
        if spoken_voice:
            spoken = [a.spoken_verdict for a in items if a.spoken_verdict is not None]
            again = sum(v.why == ASKED_AGAIN for v in spoken)
            row += f" {_share(spoken)} | {again} |"
        lines.append(row)
    return "\n".join(lines)


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _held(a: Answered) -> str:
    return " (held out)" if a.turn.held_out else ""


def failures(answered: list[Answered]) -> list[str]:
    """One line per failed turn: typed failures, then turns that failed only when spoken."""
    out = [
        f"- typed{_held(a)}: “{a.turn.text}” → “{_quote(a.reply)}” ({a.verdict.why})"
        for a in answered
        if not a.verdict.ok
    ]
    for a in answered:
        if a.verdict.ok and a.spoken_verdict is not None and not a.spoken_verdict.ok:
            out.append(
                f"- spoken only{_held(a)}: “{a.turn.text}” heard as “{a.heard}” → "
                f"“{_quote(a.spoken_reply or '')}” ({a.spoken_verdict.why})"
            )
    return out
