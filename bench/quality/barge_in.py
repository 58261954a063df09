"""Barge-in: does the agent stop when the caller talks over it, and only then?

The agent's session (``overlap_session.py``: its VAD, Moonshine, LLM, Piper and barge-in
settings) speaks a long reply into a speaker that plays in real time; 1 s into it the
caller
- talks over it: three short requests said by Piper and two espeak-ng voices, and the
  first words of the two human recordings of the moonshine-voice wheel. The stop time is
  from the first voiced sample of the caller to the moment the session stopped its audio
  output (paused or cleared it); "as heard" adds what the output's device still held and
  played (RoomIO's audio source holds up to 200 ms, and plays it after a pause);
- makes a short sound that is not a request: a synthetic cough, a click, bursts of white
  and pink noise, and backchannels ("mm-hm", "uh-huh", "yeah", "okay" by Piper and
  espeak-ng). Stopped for good is a false interruption (the agent dropped its reply, and
  answers the sound); paused and resumed, or not stopped, is right.

No echo: the microphone hears only the caller.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from human_speech import assets_dir, read_wav
from noise import pink_noise
from overlap_session import Overlap, talk_over
from short_sounds import click, cough, noise_burst
from stats import quantile
from voices import RATE, espeak, piper, resample

REQUESTS = (
    "Wait, what is the capital of France?",
    "Sorry, what time is it now?",
    "Stop, how many days are in a leap year?",
)
SPEAKERS: dict[str, Callable[[str], np.ndarray]] = {
    "piper x1.0": functools.partial(piper, 1.0),
    "espeak-ng en-us": functools.partial(espeak, "en-us"),
    "espeak-ng en-gb": functools.partial(espeak, "en-gb"),
}
HUMAN_S = {"beckett": 2.5, "two_cities": 3.0}  # the first seconds of each recording


@dataclass(frozen=True, slots=True)
class Sound:
    name: str
    speech: bool  # a request the agent should stop for
    pcm: np.ndarray  # float32, 16 kHz


@dataclass(frozen=True, slots=True)
class Trial:
    sound: Sound
    overlap: Overlap


def _pad(pcm: np.ndarray, tail_s: float = 0.3) -> np.ndarray:
    return np.concatenate([pcm.astype(np.float32), np.zeros(int(tail_s * RATE), np.float32)])


def sounds() -> list[Sound]:
    out = [
        Sound(f"{voice}: {text}", True, _pad(speak(text)))
        for voice, speak in SPEAKERS.items()
        for text in REQUESTS
    ]
    for name, seconds in HUMAN_S.items():
        pcm, rate = read_wav(assets_dir() / f"{name}.wav")
        out.append(
            Sound(
                f"human {name} (first {seconds:g} s)",
                True,
                _pad(resample(pcm[: int(seconds * rate)], rate)),
            )
        )
    out += [
        Sound("cough (synthetic)", False, _pad(cough())),
        Sound("click", False, _pad(click())),
        Sound("mm-hm (piper)", False, _pad(piper(1.0, "Mm-hmm."))),
        Sound("mm-hm (espeak-ng en-us)", False, _pad(espeak("en-us", "mm hmm"))),
        Sound("uh-huh (espeak-ng en-us)", False, _pad(espeak("en-us", "Uh-huh."))),
        Sound("yeah (piper)", False, _pad(piper(1.0, "Yeah."))),
        Sound("okay (espeak-ng en-gb)", False, _pad(espeak("en-gb", "Okay."))),
        Sound("white noise 0.3 s", False, _pad(noise_burst(0.3))),
        Sound("pink noise 0.8 s", False, _pad(0.1 * pink_noise(int(0.8 * RATE), 14))),
    ]
    return out


async def measure(settings: Any, providers: Any, chosen: list[Sound]) -> list[Trial]:
    trials = []
    for sound in chosen:
        overlap = await talk_over(settings, providers, sound.pcm)
        trials.append(Trial(sound, overlap))
        stop = "-" if overlap.decided_s is None else f"{overlap.decided_s * 1000:.0f} ms"
        print(
            f"  {sound.name} | {overlap.outcome} | stop {stop} | heard {overlap.heard} | "
            f"false interruptions {overlap.false_interruptions}",
            flush=True,
        )
    return trials


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"  # no values
    return "never" if math.isinf(value) else f"{value * 1000:.0f}"


def _p50_p95(values: list[float]) -> str:
    return f"{_ms(quantile(values, 0.5))} / {_ms(quantile(values, 0.95))}"


def summary_row(profile: str, trials: list[Trial]) -> str:
    speech = [t.overlap for t in trials if t.sound.speech]
    other = [t.overlap for t in trials if not t.sound.speech]
    # a request the agent never stopped for counts as never: the percentile shows it
    stops = [math.inf if o.stop_s is None else o.stop_s for o in speech]
    decided = [math.inf if o.decided_s is None else o.decided_s for o in speech]
    bad = sum(o.outcome == "stopped" for o in other)
    rate = f"{100 * bad / len(other):.0f} % ({bad}/{len(other)})" if other else "-"
    paused = [o.paused_s for o in other if o.paused_s is not None]
    return (
        f"| {profile} | {sum(o.outcome == 'stopped' for o in speech)}/{len(speech)} | "
        f"{_p50_p95(decided)} | {_p50_p95(stops)} | {rate} | "
        f"{sum(o.outcome == 'resumed' for o in other)} ({_ms(quantile(paused, 0.5))}) | "
        f"{sum(o.outcome == 'continued' for o in other)} |"
    )


SUMMARY_HEADER = (
    "| profile | talked over: stopped | barge-in stop time p50 / p95 (ms) | "
    "as heard, after the device queue (ms) | "
    "false-interruption rate (short sounds stopped for good) | "
    "paused and resumed (median pause, ms) | not stopped |\n|---|---|---|---|---|---|---|"
)


def report(profile: str, trials: list[Trial], settings: Any) -> str:
    turn = settings.turn
    rows = "\n".join(
        f"| {t.sound.name} | {t.overlap.outcome} | "
        f"{'-' if t.overlap.decided_s is None else f'{t.overlap.decided_s * 1000:.0f}'} | "
        f"{' / '.join(t.overlap.heard) or '-'} |"
        for t in trials
    )
    return (
        f"Barge-in — interruption_min_s {turn.interruption_min_s:g}, false-interruption "
        f"timeout {turn.false_interruption_timeout_s:g} s, resume "
        f"{'on' if turn.resume_false_interruption else 'off'}:\n\n"
        f"{SUMMARY_HEADER}\n{summary_row(profile, trials)}\n\n"
        "| sound | outcome | stop time (ms) | user turns heard |\n|---|---|---|---|\n"
        f"{rows}"
    )
