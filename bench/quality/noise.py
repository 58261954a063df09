"""Background noise for the hearing eval, generated with a fixed seed (the same every run),
and mixing at a chosen signal-to-noise ratio. Audio is float32 in [-1, 1]."""

from __future__ import annotations

import numpy as np


def power(x: np.ndarray) -> float:
    """Mean square (0 for no samples)."""
    return float(np.mean(np.square(x, dtype=np.float64))) if len(x) else 0.0


def white_noise(n: int, seed: int = 0) -> np.ndarray:
    """Gaussian white noise, unit power."""
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def pink_noise(n: int, seed: int = 0) -> np.ndarray:
    """1/f noise (power falls 10 dB per decade), unit power: white noise shaped in the
    frequency domain."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = np.inf  # no DC
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (pink / np.sqrt(power(pink))).astype(np.float32)


def babble(voices: list[np.ndarray], n: int) -> np.ndarray:
    """Several talkers at once: each clip repeated to ``n`` samples, each starting at a
    different point, summed; unit power."""
    if not voices:
        raise ValueError("babble needs at least one voice")
    out = np.zeros(n, dtype=np.float64)
    for k, clip in enumerate(voices):
        if not len(clip):
            continue
        reps = int(np.ceil((n + len(clip)) / len(clip)))
        looped = np.tile(clip.astype(np.float64), reps)
        start = (k * len(clip)) // max(1, len(voices))
        out += looped[start : start + n]
    p = power(out)
    return (out / np.sqrt(p) if p > 0 else out).astype(np.float32)


def mix_at_snr(
    audio: np.ndarray, noise: np.ndarray, snr_db: float, *, speech_power: float | None = None
) -> np.ndarray:
    """``audio`` with ``noise`` (at least as long) added so that speech power over noise
    power is ``snr_db``. ``speech_power``: the speech's own power, when ``audio`` is the
    speech padded with silence (the padding must not lower the figure); default: ``audio``'s.
    The sum is clipped to [-1, 1]."""
    if len(noise) < len(audio):
        raise ValueError(f"noise has {len(noise)} samples, the audio {len(audio)}")
    signal = power(audio) if speech_power is None else speech_power
    noise = noise[: len(audio)].astype(np.float64)
    gain = np.sqrt(signal / (power(noise) * 10 ** (snr_db / 10))) if power(noise) > 0 else 0.0
    return np.clip(audio + gain * noise, -1.0, 1.0).astype(np.float32)
