"""Real human speech for the hearing eval: recordings shipped in the ``moonshine-voice`` wheel
(already installed for the agent), with reference texts from the works they read.

The wheel ships no transcripts. ``two_cities.wav`` (44 s) reads the opening paragraph of
Dickens' *A Tale of Two Cities* (1859, public domain) from its first word to its last;
``beckett.wav`` (10 s) says the well-known six-sentence line from Beckett's *Worstward Ho*
(quoted). Each recording is heard as the agent hears a caller: one stream, cut into
utterances by the agent's own VAD, each utterance transcribed; the transcripts are joined
and scored against the whole text, so no utterance-level alignment of the reference is
needed (any word the cuts lose or double counts as an error).

``endgame_nagg_nell.wav`` (a scene from Beckett's *Endgame*, two voices) is left out: its
exact text is not at hand here, and a reference written from the model's own output would
measure nothing.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TWO_CITIES = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
    "the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it "
    "was the season of Light, it was the season of Darkness, it was the spring of hope, it "
    "was the winter of despair, we had everything before us, we had nothing before us, we "
    "were all going direct to Heaven, we were all going direct the other way - in short, the "
    "period was so far like the present period, that some of its noisiest authorities "
    "insisted on its being received, for good or for evil, in the superlative degree of "
    "comparison only."
)
BECKETT = "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better."

RECORDINGS = {"two_cities": TWO_CITIES, "beckett": BECKETT}


@dataclass(frozen=True, slots=True)
class Recording:
    name: str
    reference: str
    pcm: np.ndarray  # float32 at the file's own rate
    rate: int


def assets_dir() -> Path:
    import moonshine_voice

    return Path(moonshine_voice.__file__).parent / "assets"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV as float32 in [-1, 1], and its sample rate."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path.name}: expected 16-bit mono")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return pcm.astype(np.float32) / 32768.0, w.getframerate()


def recordings() -> list[Recording]:
    out = []
    for name, reference in RECORDINGS.items():
        pcm, rate = read_wav(assets_dir() / f"{name}.wav")
        out.append(Recording(name, reference, pcm, rate))
    return out
