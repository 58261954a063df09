"""Synthetic callers for the hearing eval: espeak-ng voices (Debian's ``espeak-ng``) and
Piper (the agent's own voice, at its pace and slower). Each gives float32 mono at 16 kHz,
what the agent's VAD and Moonshine take; every clip is the same on every run (Piper without
sampling noise)."""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

RATE = 16000
ESPEAK_VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3")
PIPER_PACES = (1.0, 1.3)


@dataclass(frozen=True, slots=True)
class Voice:
    name: str
    speak: Callable[[str], np.ndarray]


def resample(pcm: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """float32 mono from ``rate`` to ``to`` with LiveKit's resampler (the one the agent uses)."""
    if rate == to or not len(pcm):
        return pcm.astype(np.float32)
    from livekit import rtc

    data = (np.clip(pcm, -1, 1) * 32767).astype(np.int16)
    resampler = rtc.AudioResampler(rate, to, num_channels=1, quality=rtc.AudioResamplerQuality.HIGH)
    frames = resampler.push(rtc.AudioFrame(data.tobytes(), rate, 1, len(data)))
    frames += resampler.flush()
    out = b"".join(bytes(f.data) for f in frames)
    return np.frombuffer(out, dtype=np.int16).astype(np.float32) / 32768.0


def espeak(voice: str, text: str) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit("bench: espeak-ng is missing (make bench-quality installs it)")
    wav = subprocess.run([exe, "-v", voice, "--stdout", text], capture_output=True, check=True)
    with wave.open(io.BytesIO(wav.stdout), "rb") as w:
        raw = w.readframes(w.getnframes())
        rate = w.getframerate()
    return resample(np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0, rate)


@functools.cache
def _piper(length_scale: float) -> Any:
    from voice_agent.local_models import PiperOptions, PiperTTS

    return PiperTTS(
        options=PiperOptions(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    )


def piper(length_scale: float, text: str) -> np.ndarray:
    from voice_agent.local_models.tts import SAMPLE_RATE

    pcm = np.frombuffer(b"".join(_piper(length_scale).synthesize_pcm(text)), dtype=np.int16)
    return resample(pcm.astype(np.float32) / 32768.0, SAMPLE_RATE)


def synthetic_voices() -> list[Voice]:
    voices = [Voice(f"piper joe x{pace:g}", functools.partial(piper, pace)) for pace in PIPER_PACES]
    voices += [Voice(f"espeak-ng {v}", functools.partial(espeak, v)) for v in ESPEAK_VOICES]
    return voices
