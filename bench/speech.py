"""Spoken test prompts, synthesised offline with Piper (the joe voice from PyPI), or by
espeak-ng in another language (``--espeak-voice de``: Piper's only voice is English).

`python bench/speech.py OUT.wav "text" [--lead 1.0] [--tail 3.0] [--espeak-voice de]` writes a
48 kHz mono 16-bit WAV (the format Chromium's fake microphone reads) with leading and trailing
silence.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

RATE = 48000


@functools.cache
def _voice() -> Any:
    """Piper, loaded once, with no sampling noise: the same clip every run."""
    from voice_agent.local_models import PiperOptions, PiperTTS

    return PiperTTS(options=PiperOptions(noise_scale=0.0, noise_w_scale=0.0))


def speak(text: str) -> np.ndarray:
    """Piper speech for `text` as int16 mono at 48 kHz."""
    from voice_agent.local_models.tts import SAMPLE_RATE

    if not text.strip():
        return np.zeros(0, dtype=np.int16)
    pcm = np.frombuffer(b"".join(_voice().synthesize_pcm(text)), dtype=np.int16)
    # upsampling only, so linear interpolation is enough for a test voice
    t_out = np.arange(int(len(pcm) * RATE / SAMPLE_RATE)) / RATE
    t_in = np.arange(len(pcm)) / SAMPLE_RATE
    return np.interp(t_out, t_in, pcm.astype(np.float32)).astype(np.int16)


def espeak(text: str, voice: str) -> np.ndarray:
    """espeak-ng speech for ``text`` in ``voice`` (a language: ``de``), slowed a little, as
    int16 mono at 48 kHz (apt ``espeak-ng``: ``make install-test`` installs it)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "espeak.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "130", "-w", str(out), text], check=True, timeout=60
        )
        with wave.open(str(out), "rb") as f:
            rate = f.getframerate()
            pcm = np.frombuffer(f.readframes(f.getnframes()), dtype=np.int16)
    t_out = np.arange(int(len(pcm) * RATE / rate)) / RATE
    return np.interp(t_out, np.arange(len(pcm)) / rate, pcm.astype(np.float32)).astype(np.int16)


def with_silence(speech: np.ndarray, lead_s: float, tail_s: float) -> np.ndarray:
    lead = np.zeros(int(lead_s * RATE), dtype=np.int16)
    tail = np.zeros(int(tail_s * RATE), dtype=np.int16)
    return np.concatenate([lead, speech, tail])


def write_wav(path: Path, pcm: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.astype(np.int16).tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("text")
    parser.add_argument("--lead", type=float, default=1.0)
    parser.add_argument("--tail", type=float, default=3.0)
    parser.add_argument("--espeak-voice", help="speak with espeak-ng in this language (de)")
    args = parser.parse_args()
    speech = espeak(args.text, args.espeak_voice) if args.espeak_voice else speak(args.text)
    write_wav(args.out, with_silence(speech, args.lead, args.tail))
    print(args.out)


if __name__ == "__main__":
    main()


# Short everyday questions the benches' callers ask (the capacity bench the first ten).
EVERYDAY_QUESTIONS = (
    "What is the capital of France?",
    "How many days are in a week?",
    "What do bees make?",
    "Which planet is closest to the sun?",
    "What is the opposite of hot?",
    "How many legs does a spider have?",
    "Name a famous museum in Paris.",
    "What color is the sky on a clear day?",
    "Give me one tip for sleeping better.",
    "What is two plus two?",
    "What is the largest ocean?",
    "How many minutes are in an hour?",
    "What do cows drink?",
    "Name a fruit that is yellow.",
    "What is the boiling point of water?",
    "Which animal is known as the king of the jungle?",
    "How many wheels does a bicycle have?",
    "What language is spoken in Spain?",
    "Tell me a word that rhymes with cat.",
    "What season comes after winter?",
)
