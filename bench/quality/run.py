"""Conversation quality: does the agent hear the caller right, and answer right?

    uv run python bench/quality/run.py [--profile default]
        [--part all|hearing|answers|bargein] [--stt moonshine|whisper]
        [--sentences 20] [--turns N] [--no-record] [--allow-dirty]

Model-level, no LiveKit stack: the agent's own providers and code paths in this process
(``agent_path.py``), with its settings (``AGENT_*`` variables apply, as for the agent).

Hearing: word error rate (``wer.py``: normalised text, word-level Levenshtein, pooled over
clips) of what the agent's VAD + STT engine (``--stt``, default ``AGENT_STT__ENGINE``; its
pre-roll trim and transcript cleaning) make of
- real human speech: two recordings shipped in the moonshine-voice wheel, against the texts
  they read (``human_speech.py``);
- synthetic callers: Piper (the agent's voice, at its pace and 1.3x slower) and four
  espeak-ng voices, each saying the first ``--sentences`` everyday questions;
each clean and with white, pink or babble noise at 10 dB SNR (fixed seeds), with 0.5 s of
lead and 1 s of tail. White and pink noise go on through the tail (the VAD must find the end
of the speech in it); the babble talkers stop with the caller, since through the tail they
keep the VAD's utterance open and the agent never answers at all. Then the engine's own time
per utterance: each clean synthetic clip (0.2 s of pre-roll and of silence after, as the VAD
hands it) transcribed on its own, one after another.

Answers: every turn of ``eval_turns.py`` (60 questions with the keywords a right answer
names, 12 turns that are not questions with the words a fitting reply picks up) answered by
the ``Assistant`` as the first turn of a new call: typed (the text as is), and spoken (an
espeak-ng en-us voice says it, the agent hears it, and answers what it heard).

Barge-in (``barge_in.py``): the agent's session speaks a long reply in real time and the
caller talks over it (requests in three synthetic voices and two human recordings: the stop
time) or makes a short sound (cough, click, "mm-hm", noise: the false-interruption rate,
replies dropped for good).

Prints the tables and appends them to docs/benchmarks.md, one record per profile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "quality")]

from agent_path import AgentPath  # noqa: E402
from answer_checks import judge  # noqa: E402
from barge_in import measure as measure_barge_in  # noqa: E402
from barge_in import report as barge_in_report  # noqa: E402
from barge_in import sounds as barge_in_sounds  # noqa: E402
from eval_turns import STATEMENTS, TURNS  # noqa: E402
from human_speech import recordings  # noqa: E402
from machine import add_record_options, append_record, may_record  # noqa: E402
from noise import babble, mix_at_snr, pink_noise, power, white_noise  # noqa: E402
from quality_report import (  # noqa: E402
    Answered,
    Heard,
    answers_table,
    confusions_line,
    failures,
    wer_table,
    worst_clips,
)
from speech import EVERYDAY_QUESTIONS  # noqa: E402
from stats import median, quantile  # noqa: E402
from voices import RATE, Voice, espeak, resample, synthetic_voices  # noqa: E402
from wer import pooled_wer, word_errors  # noqa: E402

SNR_DB = 10.0
CONDITIONS = ("clean", f"white {SNR_DB:g} dB", f"pink {SNR_DB:g} dB", f"babble {SNR_DB:g} dB")
LEAD_S, TAIL_S = 0.5, 1.0
SPOKEN_VOICE = "en-us"  # the answer eval's spoken column


@dataclass(frozen=True, slots=True)
class Profile:
    """A set of agent settings to measure. ``overrides``: AGENT_* variables set for the
    run (e.g. another model file or instructions, once the agent can load one)."""

    description: str
    overrides: dict[str, str] = field(default_factory=dict)


PROFILES = {
    "default": Profile(
        "the agent's defaults: Silero VAD, Moonshine tiny-en, Qwen2.5-Coder-0.5B-Instruct "
        "Q4_K_M (llama.cpp), default instructions"
    ),
    "quality": Profile(
        "accuracy first: Whisper tiny.en as the STT engine, Qwen2.5-Coder-1.5B-Instruct Q4_K_M "
        "as the LLM (`make install-quality`)",
        {"AGENT_STT__ENGINE": "whisper", "AGENT_LLM__LOCAL_MODEL": "qwen2.5-1.5b"},
    ),
}


def load_settings(profile: Profile) -> Any:
    os.environ.update(profile.overrides)
    from voice_agent.settings import AgentSettings

    return AgentSettings()


def _babble_sources() -> list[np.ndarray]:
    """Four talkers (espeak-ng voices) saying other things than the questions."""
    voices = ("en-gb", "en-us", "en-us+f3", "en-gb-scotland")
    return [espeak(v, t.text) for v, t in zip(voices, STATEMENTS[:4], strict=True)]


def noisy(speech: np.ndarray, condition: str, seed: int, talkers: list[np.ndarray]) -> np.ndarray:
    """``speech`` with the lead and tail silence, in ``condition``."""
    lead, tail = np.zeros(int(LEAD_S * RATE), np.float32), np.zeros(int(TAIL_S * RATE), np.float32)
    padded = np.concatenate([lead, speech, tail])
    if condition == "clean":
        return padded
    kind = condition.split()[0]
    n = len(padded)
    noise = {"white": white_noise, "pink": pink_noise}.get(kind)
    if noise is None:  # babble: the talkers stop with the caller (through the tail they
        # keep the VAD's utterance open, and the agent never answers at all)
        voiced = len(lead) + len(speech)
        mixed = mix_at_snr(
            padded[:voiced], babble(talkers, voiced), SNR_DB, speech_power=power(speech)
        )
        return np.concatenate([mixed, tail])
    source = noise(n, seed)
    return mix_at_snr(padded, source, SNR_DB, speech_power=power(speech))


async def hearing(path: AgentPath, sentences: int) -> tuple[list[Heard], list[Heard]]:
    """Every clip in every condition; and each clean clip heard a second time (Moonshine
    does not always give the same text for the same audio)."""
    talkers = _babble_sources()
    heard: list[Heard] = []
    again: list[Heard] = []

    async def hear_once(voice: str, speech: np.ndarray, text: str, seed: int, cond: str) -> Heard:
        transcript = " ".join(await path.hear(noisy(speech, cond, seed, talkers)))
        return Heard(voice, cond, text, transcript, word_errors(text, transcript))

    async def hear(voice: str, speech: np.ndarray, text: str, seed: int) -> None:
        for condition in CONDITIONS:
            heard.append(await hear_once(voice, speech, text, seed, condition))
        again.append(await hear_once(voice, speech, text, seed, "clean"))

    for rec in recordings():
        print(f"  hearing: human {rec.name}", flush=True)
        await hear(f"human: {rec.name}", resample(rec.pcm, rec.rate), rec.reference, 7)
    voices: list[Voice] = synthetic_voices()
    for v, voice in enumerate(voices):
        print(f"  hearing: {voice.name}", flush=True)
        for i, text in enumerate(EVERYDAY_QUESTIONS[:sentences]):
            await hear(voice.name, voice.speak(text), text, 1000 * v + i)
    return heard, again


def stt_latency(path: AgentPath, sentences: int) -> str:
    """The engine's time per utterance, clean synthetic clips one at a time (no other work)."""
    pad = np.zeros(int(0.2 * RATE), np.float32)
    times: list[float] = []
    for voice in synthetic_voices():
        for text in EVERYDAY_QUESTIONS[:sentences]:
            clip = np.concatenate([pad, voice.speak(text), pad])
            started = time.perf_counter()
            path.transcribe(clip)
            times.append(time.perf_counter() - started)
    engine = path.providers.stt.model
    return (
        f"STT time per utterance ({engine}, {len(times)} clean synthetic clips of "
        f"1-3 s, one at a time): median {median(times):.3f} s, p95 {quantile(times, 0.95):.3f} s, "
        f"max {max(times):.3f} s."
    )


async def answers(path: AgentPath, limit: int | None, spoken: bool) -> list[Answered]:
    out: list[Answered] = []
    for n, turn in enumerate(TURNS[:limit]):
        reply = await path.answer(turn.text)
        verdict = judge(turn, reply)
        heard = spoken_reply = spoken_verdict = None
        if spoken:
            speech = noisy(espeak(SPOKEN_VOICE, turn.text), "clean", 0, [])
            heard = " ".join(await path.hear(speech))
            spoken_reply = reply if heard == turn.text else await path.answer(heard)
            spoken_verdict = judge(turn, spoken_reply)
        out.append(Answered(turn, reply, verdict, heard, spoken_reply, spoken_verdict))
        mark = "ok " if verdict.ok else "BAD"
        print(f"  {n + 1:3d} {mark} {turn.text} -> {reply[:90]}", flush=True)
    return out


def repeat_line(heard: list[Heard], again: list[Heard]) -> str:
    first = [h for h in heard if h.condition == "clean"]
    changed = [(a, b) for a, b in zip(first, again, strict=True) if a.transcript != b.transcript]
    shown = "; ".join(f"“{a.transcript}” / “{b.transcript}”" for a, b in changed[:4])
    return (
        f"Same clean clip heard twice: {len(changed)} of {len(first)} transcripts differ"
        + (f" (e.g. {shown})" if shown else "")
        + f"; WER of the second hearing {100 * pooled_wer([h.alignment for h in again]):.1f} %."
    )


def hearing_report(heard: list[Heard], again: list[Heard]) -> str:
    worst = "\n".join(
        f"- {h.voice}, {h.condition}: “{h.reference}” → “{h.transcript}”"
        for h in worst_clips([h for h in heard if not h.voice.startswith("human")])
    )
    human = "\n".join(
        f"- {h.voice}, {h.condition}: “{h.transcript}”"
        for h in heard
        if h.voice.startswith("human") and h.condition == "clean"
    )
    return (
        "Hearing — word error rate (pooled over clips; words = reference words):\n\n"
        f"{wer_table(heard, CONDITIONS)}\n\n"
        f"{repeat_line(heard, again)}\n\n"
        f"Most frequent word errors (all voices and conditions): {confusions_line(heard)}\n\n"
        f"Worst synthetic clips:\n{worst or '- none'}\n\n"
        f"Human recordings as heard (clean):\n{human or '- none'}"
    )


def answers_report(answered: list[Answered], spoken: bool) -> str:
    spoken_voice = f"espeak-ng {SPOKEN_VOICE}" if spoken else None
    spoken_wer = ""
    if spoken:
        alignments = [word_errors(a.turn.text, a.heard or "") for a in answered]
        words = sum(a.reference_words for a in alignments)
        edits = sum(a.edits for a in alignments)
        spoken_wer = f" WER of the spoken turns: {100 * edits / max(1, words):.1f} %."
    lines = failures(answered)
    return (
        "Answers — share of replies with an expected keyword (questions), or fitting "
        f"(other turns).{spoken_wer}\n\n{answers_table(answered, spoken_voice)}\n\n"
        f"Failed turns:\n" + ("\n".join(lines) if lines else "- none")
    )


async def run(args: argparse.Namespace, profile: Profile) -> str:
    started = time.monotonic()
    print(f"bench: loading the agent's models (profile {args.profile})", flush=True)
    path = AgentPath(load_settings(profile), stt_options=dict(experiment_options(args)))
    sections = []
    if args.part in ("all", "hearing"):
        sections.append(hearing_report(*await hearing(path, args.sentences)))
        print(sections[-1], flush=True)
        sections.append(stt_latency(path, args.sentences))
        print(sections[-1], flush=True)
    if args.part in ("all", "answers"):
        answered = await answers(path, args.turns, spoken=not args.typed_only)
        sections.append(answers_report(answered, spoken=not args.typed_only))
        print(sections[-1], flush=True)
    if args.part in ("all", "bargein"):
        print("  barge-in", flush=True)
        trials = await measure_barge_in(path.settings, path.providers, barge_in_sounds())
        sections.append(barge_in_report(args.profile, trials, path.settings))
        print(sections[-1], flush=True)
    print(f"bench: {time.monotonic() - started:.0f} s", flush=True)
    return "\n\n".join(sections)


def experiment_options(args: argparse.Namespace) -> list[tuple[str, float]]:
    """The STT engine's options changed on the command line."""
    named = (
        ("keep_preroll_s", args.keep_preroll),
        ("voice_threshold", args.voice_threshold),
        ("beam_size", args.beam),
    )
    return [(name, value) for name, value in named if value is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="default")
    parser.add_argument("--part", choices=("all", "hearing", "answers", "bargein"), default="all")
    parser.add_argument(
        "--sentences",
        type=int,
        default=len(EVERYDAY_QUESTIONS),
        help="everyday questions each synthetic voice says (at most 20)",
    )
    parser.add_argument("--turns", type=int, default=None, help="only the first N answer turns")
    parser.add_argument("--typed-only", action="store_true", help="skip the spoken answer column")
    parser.add_argument(
        "--stt", choices=("moonshine", "whisper"), help="the STT engine (AGENT_STT__ENGINE)"
    )
    parser.add_argument(
        "--keep-preroll", type=float, help="experiment: the STT engine's kept pre-roll (s)"
    )
    parser.add_argument("--beam", type=int, help="experiment: Whisper's beam size")
    parser.add_argument(
        "--voice-threshold", type=float, help="experiment: the pre-roll trim's voiced peak"
    )
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    profile = PROFILES[args.profile]
    if args.stt:  # over the profile's own
        overrides = {**profile.overrides, "AGENT_STT__ENGINE": args.stt}
        profile = Profile(f"{profile.description}; STT engine {args.stt}", overrides)
    body = asyncio.run(run(args, profile))
    partial = args.part != "all" or args.turns is not None or args.sentences < 20
    experiment = [f"{name} {value:g}" for name, value in experiment_options(args)]
    engine = load_settings(profile).stt.engine
    if not args.no_record:
        append_record(
            f"Conversation quality, profile {args.profile}, STT {engine}"
            + (" (partial run)" if partial else "")
            + (f" ({', '.join(experiment)})" if experiment else ""),
            f"Model-level (`make bench-quality`, no LiveKit stack): {profile.description}. "
            f"Noise at {SNR_DB:g} dB SNR over the speech's own power; each clip with "
            f"{LEAD_S:g} s lead and {TAIL_S:g} s tail.",
            body,
            clean=clean,
        )


if __name__ == "__main__":
    main()
