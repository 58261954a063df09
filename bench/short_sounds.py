"""Short sounds that are not a request: what a caller's microphone picks up while the agent
speaks. float32 mono at 16 kHz, the same on every run (fixed seeds)."""

from __future__ import annotations

import numpy as np

RATE = 16000


def _burst(
    seconds: float, level: float, seed: int, band: tuple[float, float] | None = None
) -> np.ndarray:
    """Noise with a 10 ms attack and an exponential decay; ``band``: kept frequencies (Hz)."""
    n = int(seconds * RATE)
    noise = np.random.default_rng(seed).standard_normal(n)
    if band is not None:
        spectrum = np.fft.rfft(noise)
        freqs = np.fft.rfftfreq(n, 1 / RATE)
        spectrum[(freqs < band[0]) | (freqs > band[1])] = 0
        noise = np.fft.irfft(spectrum, n)
    noise /= np.sqrt(np.mean(noise**2))
    envelope = np.minimum(np.arange(n) / (0.01 * RATE), 1.0) * np.exp(-np.arange(n) / (0.3 * n))
    return (level * noise * envelope).astype(np.float32)


def cough() -> np.ndarray:
    """Two bursts of noise in 200-3000 Hz, 80 ms apart (0.15 s and 0.2 s)."""
    gap = np.zeros(int(0.08 * RATE), np.float32)
    return np.concatenate(
        [_burst(0.15, 0.25, 11, (200, 3000)), gap, _burst(0.2, 0.2, 12, (200, 3000))]
    )


def click() -> np.ndarray:
    """A 10 ms broadband click."""
    return _burst(0.01, 0.5, 13)


def noise_burst(seconds: float, level: float = 0.1, seed: int = 14) -> np.ndarray:
    """Broadband (white) noise for ``seconds``."""
    return _burst(seconds, level, seed)
