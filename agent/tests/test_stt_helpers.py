"""Moonshine pre-processing (pre-roll trim, frame conversion) and transcript clean-up."""

from __future__ import annotations

import numpy as np
import pytest
from livekit import rtc
from voice_agent.local_models.stt import (
    SAMPLE_RATE,
    MoonshineSTT,
    clean_transcript,
    to_mono_float,
    trim_preroll,
)

pytestmark = pytest.mark.unit

RATE = SAMPLE_RATE


def _tone(seconds: float, amplitude: float = 0.3, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _trim(pcm: np.ndarray, keep_s: float = 0.05, threshold: float = 0.02) -> np.ndarray:
    return trim_preroll(pcm, sample_rate=RATE, keep_s=keep_s, threshold=threshold)


@pytest.mark.parametrize("lead_s", [0.3, 1.0, 2.5])
def test_trim_preroll_keeps_keep_s_before_the_first_voiced_window(lead_s: float) -> None:
    tone = _tone(0.5)
    pcm = np.concatenate([np.zeros(int(lead_s * RATE), np.float32), tone])
    out = _trim(pcm, keep_s=0.05)
    # the first voiced 10 ms window starts exactly at the tone (lead is a multiple of 10 ms)
    assert len(out) == len(tone) + int(0.05 * RATE)
    assert np.all(out[: int(0.05 * RATE)] == 0)
    np.testing.assert_array_equal(out[-len(tone) :], tone)


def test_trim_preroll_treats_quiet_noise_below_threshold_as_silence() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.uniform(-1, 1, RATE) * 0.005).astype(np.float32)  # about -46 dBFS
    pcm = np.concatenate([noise, _tone(0.5)])
    out = _trim(pcm, keep_s=0.0, threshold=0.02)
    assert len(out) == int(0.5 * RATE)


def test_trim_preroll_keeps_speech_that_starts_at_once() -> None:
    pcm = np.concatenate([_tone(0.5), np.zeros(RATE, np.float32)])
    out = _trim(pcm)
    assert len(out) == len(pcm)


@pytest.mark.parametrize(
    "pcm",
    [np.zeros(RATE, np.float32), np.full(RATE, 0.01, np.float32), np.zeros(50, np.float32)],
    ids=["silence", "below-threshold", "shorter-than-a-window"],
)
def test_trim_preroll_returns_unvoiced_input_unchanged(pcm: np.ndarray) -> None:
    out = _trim(pcm)
    assert len(out) == len(pcm)
    np.testing.assert_array_equal(out, pcm)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("You What is the time?", "What is the time?"),
        ("you. What is the time?", "What is the time?"),
        ("Mm, what is the weather like?", "what is the weather like?"),
        ("Mmm set a timer", "set a timer"),
        ("Hmm. Tell me a joke.", "Tell me a joke."),
        ("Uh what is the capital of France?", "what is the capital of France?"),
        ("  Um   turn   off the lights ", "turn off the lights"),
    ],
)
def test_clean_transcript_drops_one_leading_filler_followed_by_more_words(
    raw: str, expected: str
) -> None:
    assert clean_transcript(raw) == expected


@pytest.mark.parametrize("raw", ["You", "You.", " you ", "Mm", "Hmm?", "Uh.", "Um...", "Oh!"])
def test_clean_transcript_drops_an_utterance_that_is_only_a_filler(raw: str) -> None:
    # Moonshine's "You" from a breath, or a hesitation: not a turn to answer
    assert clean_transcript(raw) == ""


@pytest.mark.parametrize(
    "raw", ["Mm-hmm.", "Uh-huh", "Thank you.", "Your order is ready.", "Umbrella weather today?"]
)
def test_clean_transcript_keeps_an_assent_and_words_that_merely_start_like_a_filler(
    raw: str,
) -> None:
    assert clean_transcript(raw) == raw


def test_clean_transcript_drops_only_the_first_filler_and_normalises_spaces() -> None:
    assert clean_transcript(" Mm  mm\n are you there? ") == "mm are you there?"
    assert clean_transcript("") == ""


def test_clean_transcript_keeps_a_genuine_leading_you() -> None:
    assert clean_transcript("You are right.") == "You are right."
    assert clean_transcript("you know what I mean") == "you know what I mean"


def test_clean_transcript_drops_a_you_that_stands_apart() -> None:
    assert clean_transcript("You. What time is it?") == "What time is it?"
    assert clean_transcript("You What time is it?") == "What time is it?"


def test_to_mono_float_scales_16k_int16_to_unit_range() -> None:
    samples = np.array([0, 16384, -32768, 32767], dtype=np.int16)
    frame = rtc.AudioFrame(samples.tobytes(), RATE, 1, len(samples))
    out = to_mono_float(frame)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.0, 0.5, -1.0, 32767 / 32768])


def test_to_mono_float_averages_stereo_channels() -> None:
    stereo = np.array([[1000, 3000], [-2000, -4000]], dtype=np.int16)  # interleaved L/R
    frame = rtc.AudioFrame(stereo.tobytes(), RATE, 2, 2)
    np.testing.assert_allclose(to_mono_float(frame), [2000 / 32768, -3000 / 32768])


@pytest.mark.parametrize(
    "pcm",
    [
        np.zeros(RATE, np.float32),  # silence
        np.full(RATE, 0.015, np.float32),  # quiet hum below the voice threshold
        np.concatenate([np.zeros(RATE, np.float32), _tone(0.03)]),  # a click: too short
    ],
    ids=["silence", "below-threshold", "30ms-click"],
)
def test_unvoiced_or_too_short_audio_is_empty_without_loading_the_model(pcm: np.ndarray) -> None:
    # Moonshine turns pure silence into "You"; such clips never reach it
    stt = MoonshineSTT()
    assert stt.transcribe(pcm) == ""
    assert stt._transcriber is None
