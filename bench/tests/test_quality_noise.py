"""bench/quality/noise.py: generated noise and mixing at a given signal-to-noise ratio."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
from noise import babble, mix_at_snr, pink_noise, power, white_noise  # noqa: E402

RATE = 16000


def tone(seconds: float, hz: float = 220.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def snr_db(clean: np.ndarray, mixed: np.ndarray, speech_power: float | None = None) -> float:
    signal = power(clean) if speech_power is None else speech_power
    return 10 * math.log10(signal / power(mixed - clean))


@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_white_noise_is_mixed_at_the_requested_snr(snr: float) -> None:
    clean = tone(2.0)
    mixed = mix_at_snr(clean, white_noise(len(clean), seed=1), snr)
    assert snr_db(clean, mixed) == pytest.approx(snr, abs=0.05)


def test_padding_does_not_lower_the_speech_power() -> None:
    speech = tone(1.0)
    padded = np.concatenate([np.zeros(RATE, np.float32), speech, np.zeros(RATE, np.float32)])
    mixed = mix_at_snr(padded, white_noise(len(padded), seed=2), 10.0, speech_power=power(speech))
    assert snr_db(padded, mixed, power(speech)) == pytest.approx(10.0, abs=0.05)
    # the silence before the speech now holds noise at the level set by the speech
    assert power(mixed[:RATE]) == pytest.approx(power(speech) / 10, rel=0.1)


def test_noise_is_the_same_for_the_same_seed_and_unit_power() -> None:
    assert np.array_equal(white_noise(1000, seed=3), white_noise(1000, seed=3))
    assert not np.array_equal(white_noise(1000, seed=3), white_noise(1000, seed=4))
    assert power(pink_noise(RATE, seed=5)) == pytest.approx(1.0, rel=1e-3)


def band_density(x: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    band = (freqs >= lo) & (freqs < hi)
    return float(spectrum[band].mean())


def test_pink_noise_falls_ten_db_per_decade_and_white_is_flat() -> None:
    pink, white = pink_noise(RATE * 4, seed=6), white_noise(RATE * 4, seed=6)
    pink_drop = 10 * math.log10(band_density(pink, 100, 200) / band_density(pink, 1000, 2000))
    white_drop = 10 * math.log10(band_density(white, 100, 200) / band_density(white, 1000, 2000))
    assert pink_drop == pytest.approx(10.0, abs=1.0)
    assert white_drop == pytest.approx(0.0, abs=1.0)


def test_babble_covers_the_length_with_unit_power() -> None:
    voices = [tone(0.5, hz) for hz in (200.0, 310.0, 450.0)]
    mixed = babble(voices, RATE * 2)
    assert len(mixed) == RATE * 2
    assert power(mixed) == pytest.approx(1.0, rel=1e-3)
    assert power(mixed[-RATE // 4 :]) > 0.1  # the clips are looped, not padded with silence
    with pytest.raises(ValueError):
        babble([], 10)


def test_mixing_clips_and_refuses_short_noise() -> None:
    loud = np.full(100, 0.99, dtype=np.float32)
    assert np.max(mix_at_snr(loud, white_noise(100), 0.0)) <= 1.0
    with pytest.raises(ValueError):
        mix_at_snr(loud, white_noise(50), 10.0)
