"""End of turn: is a caller who pauses mid-sentence held, and how long does a finished
question wait? For each turn detector (``AGENT_TURN__DETECTOR``: ``vad``, ``eot``, ``words``).

    uv run python bench/quality/turns.py [--questions 20] [--pause 0.7] [--detectors vad,words]
        [--fragments 10] [--stt moonshine|whisper] [--no-record]

Model-level, no LiveKit stack: the agent's own session (``turn_taking.py``: Silero VAD,
the STT engine (``--stt``, default ``AGENT_STT__ENGINE``), the configured detector; a
scripted LLM) hears, at real-time pace,
- cut-off clips: a fragment ("What is the capital of"), ``--pause`` seconds of silence, the
  rest ("France?"); held = the session committed one user turn, not two;
- complete questions (the everyday questions of bench/speech.py, and five that end on a
  preposition: ``STRANDED``); the delay is from the last voiced sample to the user turn's
  commit;
each said by Piper (the agent's voice, x1.0 and x1.3 slower) and espeak-ng en-us. With
``eot`` the model's P(end of turn) at each decision is read from the framework's debug log
and the last table projects other thresholds from it (the decision is P < threshold: wait
``max_delay_s``, else ``min_delay_s``).

Prints the tables and appends them to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "quality")]

from machine import add_record_options, append_record, may_record  # noqa: E402
from speech import EVERYDAY_QUESTIONS  # noqa: E402
from turn_taking import RATE, speech_end_s, user_turns  # noqa: E402
from voices import espeak, piper  # noqa: E402

FRAGMENTS = (
    ("What is the capital of", "France?"),
    ("Can you remind me to", "call my mother tomorrow?"),
    ("How many days are there in", "a leap year?"),
    ("I would like to know", "the weather in Paris."),
    ("Tell me a fun fact about", "elephants."),
    ("What is the best way to", "cook rice?"),
    ("Which planet is the", "largest in the solar system?"),
    ("Could you tell me how", "far the moon is?"),
    ("My favourite colour is", "green, what is yours?"),
    ("Please set a timer for", "ten minutes."),
    # written with the `words` detector (2026-11-30), before measuring it: where people
    # hesitate, some on a word no sentence ends with and some not
    ("I need a table for", "four people tonight."),
    ("Can you tell me the", "time in Tokyo?"),
    ("What's the weather like", "in London tomorrow?"),
    ("I was wondering if", "you could help me."),
    ("Remind me to buy milk and", "eggs."),
    ("How far is it from here", "to the station?"),
    ("Set an alarm for seven", "in the morning."),
    ("What's a good name for", "a puppy?"),
    ("Who was the first person to", "walk on the moon?"),
    ("Tell me a story about", "a dragon."),
    # written with the clause rules (unfinished_clauses.py, 2026-11-30) before they were:
    # their fragments' transcripts were in the listing the rules were drawn from, so they
    # are not a clean held-out (HELD_OUT is)
    ("Could you please", "turn off the lights?"),
    ("What time does the", "pharmacy close?"),
    ("I want to", "book a flight to Rome."),
    ("Do you think it will", "rain this afternoon?"),
    ("My phone number is", "five five five, one two three four."),
    ("Can you help me find", "a good restaurant nearby?"),
    ("The meeting is scheduled", "for Thursday at noon."),
    ("Is it going to be", "sunny this weekend?"),
    ("How do I", "reset my password?"),
    ("Send a message to", "my brother saying I'm late."),
)
# `--held-out`: written after the clause rules were fixed and never tuned on: fragments, and
# complete questions that end on a word the rules look at
HELD_OUT = (
    ("Can you recommend", "a good book for my holiday?"),
    ("What's the fastest way to get", "to the airport?"),
    ("I'd like to order", "a large pizza with mushrooms."),
    ("Could you check if", "my train is on time?"),
    ("My daughter's birthday is", "next Friday, any gift ideas?"),
    ("Where should we", "go for dinner tonight?"),
    ("How long does it take to", "boil an egg?"),
    ("Do you know whether the", "library is open on Sundays?"),
    ("Tell me something", "interesting about octopuses."),
    ("What I really need is", "a quick breakfast idea."),
    ("Why does my", "laptop keep freezing?"),
    ("Please add a reminder", "to water the plants."),
)
HELD_OUT_COMPLETE = (
    "I'm not sure what the answer is.",
    "Could you tell me where the nearest bank is?",
    "What time is it?",
    "Can you help us?",
    "Is that what you meant?",
    "I wonder how old he is.",
    "Is it as good as it was?",
    "Tell me who you are.",
)
# complete questions that end on a preposition: what the `words` detector makes wait
STRANDED = (
    "Where are you from?",
    "What is this for?",
    "Who are you talking to?",
    "What is it made of?",
    "Which one should I go with?",
)
# complete questions that end on a copula, a modal or a pronoun: what the clause rules
# (unfinished_clauses.py) must let end
CLAUSE_ENDINGS = (
    "Do you know what it is?",
    "Can you tell me what time it is?",
    "What should I do?",
    "Who are you?",
    "Where is my phone?",
    "Can you help me?",
    "I don't know where they are.",
    "Yes, I can.",
    "What would you like?",
    "How are you?",
)
VOICES = {
    "piper x1.0": lambda text: piper(1.0, text),
    "piper x1.3": lambda text: piper(1.3, text),
    "espeak-ng en-us": lambda text: espeak("en-us", text),
}
LEAD_S = 0.5
THRESHOLDS = (0.36, 0.40, 0.45, 0.50)


def _pcm(*parts: np.ndarray) -> np.ndarray:
    return (np.clip(np.concatenate(parts), -1, 1) * 32767).astype(np.int16)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


class Predictions(logging.Handler):
    """The framework's ``eot prediction`` debug records: P(end of turn) per decision."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        probability = getattr(record, "probability", None)
        if record.getMessage() == "eot prediction" and probability is not None:
            self.seen.append(float(probability))


@dataclass(frozen=True, slots=True)
class Clip:
    kind: str  # "cut" or "complete"
    part: str  # "bench" or "held-out"
    voice: str
    text: str
    pcm: np.ndarray
    pause_end_s: float  # cut: where the fragment ends; complete: where the speech ends


@dataclass(frozen=True, slots=True)
class Outcome:
    clip: Clip
    turns: int
    delay_s: float | None  # complete: speech end -> commit
    probability: float | None  # the model's first decision (eot only)


def clips(
    questions: int,
    pause_s: float,
    tail_s: float,
    fragments: int,
    held_out: bool,
    voices: tuple[str, ...] = tuple(VOICES),
) -> list[Clip]:
    cut = [("bench", f) for f in FRAGMENTS[:fragments]]
    done = [("bench", q) for q in (*EVERYDAY_QUESTIONS[:questions], *STRANDED, *CLAUSE_ENDINGS)]
    if held_out:
        cut += [("held-out", f) for f in HELD_OUT]
        done += [("held-out", q) for q in HELD_OUT_COMPLETE]
    out = []
    for voice in voices:
        speak = VOICES[voice]
        for part, (head, rest) in cut:
            first = _pcm(_silence(LEAD_S), speak(head))
            pcm = _pcm(first.astype(np.float32) / 32767, _silence(pause_s), speak(rest),
                       _silence(tail_s))  # fmt: skip
            out.append(Clip("cut", part, voice, f"{head} … {rest}", pcm, speech_end_s(first)))
        for part, text in done:
            pcm = _pcm(_silence(LEAD_S), speak(text), _silence(tail_s))
            out.append(Clip("complete", part, voice, text, pcm, speech_end_s(pcm)))
    return out


async def measure(settings: Any, hearing: Any, all_clips: list[Clip]) -> list[Outcome]:
    predictions = Predictions()
    framework = logging.getLogger("livekit.agents")
    framework.addHandler(predictions)
    framework.setLevel(logging.DEBUG)
    outcomes = []
    try:
        for clip in all_clips:
            predictions.seen.clear()
            turns = await user_turns(settings, hearing, clip.pcm)
            delay = turns[0].at_s - clip.pause_end_s if turns and clip.kind == "complete" else None
            first = predictions.seen[0] if predictions.seen else None
            outcomes.append(Outcome(clip, len(turns), delay, first))
            heard = " / ".join(repr(t.text) for t in turns)  # a cut one: what was answered
            line = f"{clip.kind} | {clip.part} | {clip.voice} | {clip.text} | turns {len(turns)}"
            print(f"  {line} | {heard} | delay {delay} | P {predictions.seen}", flush=True)
    finally:
        framework.removeHandler(predictions)
    return outcomes


def _median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f}" if values else "-"


def _p90_ms(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    return f"{statistics.quantiles(values, n=10)[-1] * 1000:.0f}"


def report(results: dict[str, list[Outcome]], max_delay_s: float) -> str:
    lines = [
        "| detector | voice | cut-off clips held (one turn) | complete: one turn | "
        "complete: ended before max_delay | end-of-turn delay median / p90 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for detector, outcomes in results.items():
        parts = sorted({o.clip.part for o in outcomes})
        heard_by = [v for v in VOICES if any(o.clip.voice == v for o in outcomes)]
        for part, voice in [("bench", v) for v in [*heard_by, "all"]] + [
            (p, "all") for p in parts if p != "bench"
        ]:
            mine = [o for o in outcomes if o.clip.part == part and voice in ("all", o.clip.voice)]
            if part != "bench":
                voice = f"all, {part}"
            cut = [o for o in mine if o.clip.kind == "cut"]
            done = [o for o in mine if o.clip.kind == "complete"]
            delays = [o.delay_s for o in done if o.delay_s is not None]
            prompt = sum(d < max_delay_s for d in delays)
            lines.append(
                f"| {detector} | {voice} | {sum(o.turns == 1 for o in cut)}/{len(cut)} | "
                f"{sum(o.turns == 1 for o in done)}/{len(done)} | {prompt}/{len(done)} | "
                f"{_median_ms(delays)} / {_p90_ms(delays)} |"
            )
    eot = results.get("eot", [])
    cut_p = [o.probability for o in eot if o.clip.kind == "cut" and o.probability is not None]
    done_p = [o.probability for o in eot if o.clip.kind == "complete" and o.probability is not None]
    if cut_p and done_p:
        lines += [
            "",
            f"P(end of turn) at the first decision, eot: cut-off clips median "
            f"{statistics.median(cut_p):.2f} (n={len(cut_p)}), complete questions median "
            f"{statistics.median(done_p):.2f} (n={len(done_p)}). Projected from P: with "
            "threshold t a cut-off clip is held when P < t, a complete question waits "
            "max_delay when P < t.",
            "",
            "| threshold | cut-off clips held | complete questions waiting max_delay |",
            "|---|---|---|",
        ]
        for t in THRESHOLDS:
            lines.append(
                f"| {t:.2f} | {sum(p < t for p in cut_p)}/{len(cut_p)} | "
                f"{sum(p < t for p in done_p)}/{len(done_p)} |"
            )
    return "\n".join(lines)


def detector_settings(detector: str) -> Any:
    from voice_agent.settings import AgentSettings, VadSettings

    base = AgentSettings()
    if detector in ("vad", "words"):
        return AgentSettings(turn=base.turn.model_copy(update={"detector": detector}))
    return AgentSettings(
        turn=base.turn.model_copy(update={"detector": "eot"}),
        vad=VadSettings(**{**base.vad.model_dump(), "min_silence_s": 0.25}),
    )


async def run(args: argparse.Namespace) -> tuple[str, str]:
    from voice_agent.providers.local import stt_engine
    from voice_agent.settings import AgentSettings

    started = time.monotonic()
    engine = AgentSettings(**({"stt": {"engine": args.stt}} if args.stt else {}))
    hearing = stt_engine(engine)
    hearing.warm_up()
    results: dict[str, list[Outcome]] = {}
    detectors = args.detectors.split(",")
    voices = tuple(args.voices.split(",")) if args.voices else tuple(VOICES)
    if unknown := set(voices) - set(VOICES):
        raise SystemExit(f"bench: unknown voice {sorted(unknown)}; the voices: {list(VOICES)}")
    settings = {d: detector_settings(d) for d in ("vad", "eot", "words")}
    max_delay_s = settings["eot"].turn.max_delay_s
    # long enough for the longest wait: max_delay_s with eot and words, the VAD's silence
    tails = {"vad": 1.0, "eot": max_delay_s + 1.0, "words": max_delay_s + 1.0}
    for detector in detectors:
        all_clips = clips(
            args.questions, args.pause, tails[detector], args.fragments, args.held_out, voices
        )
        print(f"bench: {detector}, {len(all_clips)} clips", flush=True)
        results[detector] = await measure(settings[detector], hearing, all_clips)
    body = report(results, max_delay_s)
    print(body, flush=True)
    print(f"bench: {time.monotonic() - started:.0f} s", flush=True)
    turn, vad = settings["eot"].turn, settings["vad"]
    description = (
        f"Model-level (`make bench-turns`, no LiveKit stack): the agent's session with Silero "
        f"VAD, {hearing.model} and a scripted LLM, clips at real-time pace. vad: VAD silence "
        f"{vad.vad.min_silence_s:g} s, min_delay {vad.turn.min_delay_s:g} s. "
        f"eot: `turn-detector-v1-mini`, VAD silence 0.25 s, min_delay {turn.min_delay_s:g} s, "
        f"max_delay {turn.max_delay_s:g} s. words: as vad, and max_delay "
        f"{turn.max_delay_s:g} s after a transcript that stops on a dangling word "
        f"(unfinished_words.py) or inside a clause (unfinished_clauses.py). {args.fragments} "
        f"cut-off clips (pause {args.pause:g} s) and {args.questions} complete questions plus "
        f"{len(STRANDED)} that end on a preposition and {len(CLAUSE_ENDINGS)} on a copula, "
        f"modal or pronoun, per voice ({', '.join(voices)})"
        + (
            f"; held-out (written after the rules, never tuned on): {len(HELD_OUT)} cut-off "
            f"clips and {len(HELD_OUT_COMPLETE)} complete questions per voice."
            if args.held_out
            else "."
        )
    )
    return description, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=len(EVERYDAY_QUESTIONS))
    parser.add_argument("--pause", type=float, default=0.7, help="silence inside a cut-off clip")
    parser.add_argument("--fragments", type=int, default=len(FRAGMENTS), help="cut-off clips")
    parser.add_argument(
        "--detectors", default="vad,eot,words", help="comma-separated: vad, eot, words"
    )
    parser.add_argument(
        "--held-out", action="store_true", help="also the held-out fragments and questions"
    )
    parser.add_argument("--voices", help=f"comma-separated, default all: {', '.join(VOICES)}")
    parser.add_argument(
        "--stt", choices=("moonshine", "whisper"), help="the STT engine (AGENT_STT__ENGINE)"
    )
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    description, body = asyncio.run(run(args))
    if not args.no_record:
        title = f"End of turn: {args.detectors.replace(',', ' and ')}"
        append_record(
            title + (f", STT {args.stt}" if args.stt else ""), description, body, clean=clean
        )


if __name__ == "__main__":
    main()
