"""The hum reading (hum.py) on crafted signals: a murmur's harmonics, a vowel's, a hiss."""

from __future__ import annotations

import numpy as np
import pytest
from livekit import rtc
from voice_agent.hum import HISTORY_S, HumMeter, read_pcm

pytestmark = pytest.mark.unit

RATE = 16000


def _voiced(seconds: float, peaks: tuple[float, ...], *, rate: int = RATE) -> np.ndarray:
    """A 120 Hz voice whose harmonics follow resonances at ``peaks`` (Hz)."""
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    for k in range(1, int(4000 / 120)):
        f = 120.0 * k
        gain = sum(1.0 / (1.0 + ((f - p) / 80.0) ** 2) for p in peaks)
        out += gain * np.sin(2 * np.pi * f * t)
    return (0.2 * out / np.abs(out).max()).astype(np.float32)


def _hum(seconds: float = 0.4, rate: int = RATE) -> np.ndarray:
    return _voiced(seconds, (250.0,), rate=rate)  # a nasal murmur: one low resonance


def _vowel(seconds: float = 0.3) -> np.ndarray:
    return _voiced(seconds, (700.0, 1200.0, 2500.0))  # "ah"


def _hiss(seconds: float = 0.1) -> np.ndarray:
    noise = np.random.default_rng(1).standard_normal(int(seconds * RATE))
    spectrum = np.fft.rfft(noise)
    spectrum[np.fft.rfftfreq(len(noise), 1 / RATE) < 4000] = 0
    hiss = np.fft.irfft(spectrum, len(noise))
    return (0.2 * hiss / np.abs(hiss).max()).astype(np.float32)


def _silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)


def test_a_short_murmur_is_a_hum_and_mm_hm_with_a_soft_h_too() -> None:
    assert read_pcm(_hum(), RATE).is_hum
    soft_h = 0.05 * _hiss(0.06)
    assert read_pcm(np.concatenate([_hum(0.2), soft_h, _hum(0.2)]), RATE).is_hum


@pytest.mark.parametrize(
    "pcm",
    [
        _vowel(),  # "ah"
        np.concatenate([_hum(0.08), _vowel(0.3)]),  # "no": a short murmur, then the vowel
        np.concatenate([_hum(0.3), _hiss()]),  # a loud "s" after it
        _hum(1.2),  # too long for a hum
        _silence(0.5),
    ],
    ids=["vowel", "murmur then vowel", "with a hiss", "long", "silence"],
)
def test_not_hums(pcm: np.ndarray) -> None:
    assert not read_pcm(pcm, RATE).is_hum


def _frames(pcm: np.ndarray, rate: int, frame_s: float = 0.01) -> list[rtc.AudioFrame]:
    data = (pcm * 32767).astype(np.int16)
    n = int(rate * frame_s)
    return [
        rtc.AudioFrame(data[i : i + n].tobytes(), rate, 1, n)
        for i in range(0, len(data) - n + 1, n)
    ]


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_the_meter_reads_the_utterance_since_the_vad_opened_it(rate: int) -> None:
    meter = HumMeter(active=lambda: True)
    for frame in _frames(np.concatenate([_vowel(1.0), _silence(1.0)]), RATE):
        meter.push(frame)  # an earlier word, long before
    for frame in _frames(np.concatenate([_silence(0.2, rate), _hum(0.4, rate)]), rate):
        meter.push(frame)
    meter.speech_started()  # the VAD's start of speech comes a little after the sound's
    for frame in _frames(_silence(0.3, rate), rate):
        meter.push(frame)
    assert meter.heard().is_hum


def test_the_meter_measures_only_while_the_agent_replies() -> None:
    replying = False
    meter = HumMeter(active=lambda: replying)
    for frame in _frames(_hum(), RATE):
        meter.push(frame)
    meter.speech_started()
    assert not meter.heard().is_hum  # heard while no reply played: nothing measured

    replying = True
    for frame in _frames(np.concatenate([_silence(1.0), _hum()]), RATE):
        meter.push(frame)
    meter.speech_started()
    assert meter.heard().is_hum


def test_an_utterance_that_began_before_the_reply_reads_as_no_hum() -> None:
    replying = False
    meter = HumMeter(active=lambda: replying)
    for frame in _frames(np.concatenate([_silence(1.0), _hum(0.5)]), RATE):
        meter.push(frame)
    meter.speech_started()
    replying = True  # the reply starts in the middle of the sound
    for frame in _frames(_hum(0.2), RATE):
        meter.push(frame)
    assert meter.heard().voiced_s == 0.0


def test_the_meter_keeps_a_bounded_history() -> None:
    meter = HumMeter(active=lambda: True)
    for frame in _frames(_silence(3 * HISTORY_S), RATE):
        meter.push(frame)
    assert len(meter._frames) <= HISTORY_S / 0.02 + 1
