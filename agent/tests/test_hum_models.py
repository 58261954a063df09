"""Hums against short interruptions, on synthetic voices and recorded people (hum.py, and the
decision in backchannel.py with Moonshine's real transcripts).

Tuned on: Piper x1.0 and x1.3, espeak-ng en-us, en-gb, en-us+f3, the ten interruptions in
``INTERRUPTIONS``. Held out (never looked at while choosing the thresholds): Piper x0.8,
espeak-ng en-gb-scotland, en-029 and en-gb-x-rp+m3, the words in ``HELD_OUT_INTERRUPTIONS``,
and the three recordings of people shipped in the moonshine-voice wheel.
"""

from __future__ import annotations

import functools
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from speech_helpers import SHORT_INTERRUPTIONS, to_speech_rate
from voice_agent.backchannel import is_misheard_hum
from voice_agent.hum import read_pcm

pytestmark = pytest.mark.models

RATE = 16000
TUNING_ESPEAK = ("en-us", "en-gb", "en-us+f3")
HELD_OUT_ESPEAK = ("en-gb-scotland", "en-029", "en-gb-x-rp+m3")
SPEEDS_PITCHES = ((175, 50), (130, 25), (220, 80))  # words per minute, pitch 0-99
TUNING_PIPER = (1.0, 1.3)  # length scale: 1.3 is slower
HELD_OUT_PIPER = (0.8,)
# closed-mouth hums in espeak-ng's phonemes ("m=": a syllabic m): its spelling of "Mm-hmm."
# is the letters ("em-em-hem"), which a person does not say
ESPEAK_HUMS = ("[[m=h'm=]]", "[[m='m=]]", "[[m'hm=]]", "[[h'm=]]", "[[m=m=h'm=m=]]")
PIPER_HUMS = ("Mm-hmm.", "mm hmm", "Mmm.", "Hmm.")
INTERRUPTIONS = SHORT_INTERRUPTIONS
HELD_OUT_INTERRUPTIONS = ("Nope.", "Hang on.", "Never mind.", "One second.", "Listen.", "Who?")
# held-out misses, left as found (not tuned away): nasal-rich, sounding like a hum, heard as
# words the list does not have ("And that reminds.", "Pinot."; the second since the share
# went from 0.4 to 0.37)
KNOWN_HELD_OUT_MISSES = frozenset(
    {"espeak-ng en-gb s175 p50: Never mind.", "espeak-ng en-us+f3 s220 p80: Hang on."}
)


@functools.cache
def _piper(length_scale: float) -> object:
    from voice_agent.local_models import PiperOptions, PiperTTS

    return PiperTTS(
        options=PiperOptions(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    )


def _say_piper(length_scale: float, text: str) -> np.ndarray:
    from voice_agent.local_models.tts import SAMPLE_RATE

    tts = _piper(length_scale)
    pcm = np.frombuffer(b"".join(tts.synthesize_pcm(text)), np.int16)  # type: ignore[attr-defined]
    return to_speech_rate(pcm.astype(np.float32) / 32768.0, SAMPLE_RATE)


Espeak = Callable[..., np.ndarray]


def _clips(
    say: Espeak, texts: tuple[str, ...], voices: tuple[str, ...], paces: tuple[float, ...]
) -> dict[str, Callable[[], np.ndarray]]:
    out: dict[str, Callable[[], np.ndarray]] = {}
    for text in texts:
        if not text.startswith("[["):  # Piper reads no espeak-ng phonemes
            for scale in paces:
                out[f"piper x{scale:g}: {text}"] = functools.partial(_say_piper, scale, text)
        for voice in voices:
            for speed, pitch in SPEEDS_PITCHES:
                out[f"espeak-ng {voice} s{speed} p{pitch}: {text}"] = functools.partial(
                    say, voice, text, speed, pitch
                )
    return out


@pytest.fixture(scope="module")
def moonshine() -> Callable[[np.ndarray], str]:
    from voice_agent.local_models.stt import MoonshineSTT

    stt = MoonshineSTT()
    stt.warm_up()
    pad = np.zeros(int(0.2 * RATE), np.float32)
    return lambda pcm: stt.transcribe(np.concatenate([pad, pcm, pad, pad]))


@pytest.mark.parametrize(
    ("voices", "paces"),
    [(TUNING_ESPEAK, TUNING_PIPER), (HELD_OUT_ESPEAK, HELD_OUT_PIPER)],
    ids=["tuning voices", "held-out voices"],
)
def test_synthetic_hums_read_as_hums(
    espeak: Espeak, voices: tuple[str, ...], paces: tuple[float, ...]
) -> None:
    clips = _clips(espeak, ESPEAK_HUMS, voices, ()) | _clips(espeak, PIPER_HUMS, (), paces)
    missed = [name for name, make in clips.items() if not read_pcm(make(), RATE).is_hum]
    assert missed == [], f"{len(missed)}/{len(clips)} hums missed"


def test_short_interruptions_in_the_tuning_voices_do_not_read_as_hums(espeak: Espeak) -> None:
    clips = _clips(espeak, INTERRUPTIONS, TUNING_ESPEAK, TUNING_PIPER)
    hums = [name for name, make in clips.items() if read_pcm(make(), RATE).is_hum]
    assert hums == [], f"{len(hums)}/{len(clips)} read as hums"


@pytest.mark.parametrize(
    ("texts", "voices", "paces"),
    [
        (INTERRUPTIONS, TUNING_ESPEAK, TUNING_PIPER),
        (INTERRUPTIONS, HELD_OUT_ESPEAK, HELD_OUT_PIPER),
        (HELD_OUT_INTERRUPTIONS, TUNING_ESPEAK + HELD_OUT_ESPEAK, TUNING_PIPER + HELD_OUT_PIPER),
    ],
    ids=["tuning", "held-out voices", "held-out words"],
)
def test_short_interruptions_still_interrupt(
    espeak: Espeak,
    texts: tuple[str, ...],
    voices: tuple[str, ...],
    paces: tuple[float, ...],
    moonshine: Callable[[np.ndarray], str],
) -> None:
    """What Moonshine hears of them, with how they sounded, is not dropped as a hum. (Some
    sound like hums, "Never mind." in espeak-ng: their words keep them, but for one.)"""
    dropped = {}
    for name, make in _clips(espeak, texts, voices, paces).items():
        pcm = make()
        heard = moonshine(pcm)
        if is_misheard_hum(heard, sounded_like_hum=read_pcm(pcm, RATE).is_hum):
            dropped[name] = heard
    assert set(dropped) <= KNOWN_HELD_OUT_MISSES, dropped


def _utterances(pcm: np.ndarray, *, gap_s: float = 0.25, floor_db: float = -35.0) -> list:
    """The recording cut where it is quiet for ``gap_s`` (as a VAD would), 0.2 s around each."""
    n = int(0.02 * RATE)
    frames = pcm[: len(pcm) // n * n].reshape(-1, n)
    level = np.sqrt((frames**2).mean(axis=1))
    loud = np.flatnonzero(20 * np.log10(level / level.max() + 1e-9) > floor_db)
    cuts = np.flatnonzero(np.diff(loud) * 0.02 > gap_s)
    starts = np.concatenate([[loud[0]], loud[cuts + 1]])
    ends = np.concatenate([loud[cuts], [loud[-1]]])
    return [pcm[max(0, (a - 10) * n) : (b + 10) * n] for a, b in zip(starts, ends, strict=True)]


def test_no_utterance_of_the_recorded_people_is_dropped_as_a_hum(
    moonshine: Callable[[np.ndarray], str],
) -> None:
    import moonshine_voice

    assets = Path(moonshine_voice.__file__).parent / "assets"
    checked, dropped = 0, []
    for name in ("two_cities", "beckett", "endgame_nagg_nell"):
        with wave.open(str(assets / f"{name}.wav"), "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
            pcm = to_speech_rate(pcm.astype(np.float32) / 32768.0, w.getframerate())
        for utterance in _utterances(pcm):
            checked += 1
            heard = moonshine(utterance)
            if is_misheard_hum(heard, sounded_like_hum=read_pcm(utterance, RATE).is_hum):
                dropped.append(f"{name}: {heard!r}")
    assert checked >= 20
    assert dropped == []
