"""Piper output shaping that needs no model."""

from __future__ import annotations

import numpy as np
import pytest
from voice_agent.local_models.tts import filler_clause, trim_leading_silence

pytestmark = pytest.mark.unit


def test_leading_silence_is_cut_to_five_milliseconds() -> None:
    pcm = np.concatenate([np.zeros(1000, np.int16), np.full(50, 2000, np.int16)])
    out = trim_leading_silence(pcm)
    assert len(out) == 110 + 50
    assert np.array_equal(out[-50:], pcm[-50:])


def test_audio_that_starts_loud_or_is_all_quiet_is_left_alone() -> None:
    loud = np.full(300, 3000, np.int16)
    quiet = np.full(300, 50, np.int16)
    assert np.array_equal(trim_leading_silence(loud), loud)
    assert np.array_equal(trim_leading_silence(quiet), quiet)


def test_trailing_silence_is_trimmed_to_30_ms() -> None:
    from voice_agent.local_models.tts import trim_trailing_silence

    pcm = np.concatenate([np.full(1000, 3000, dtype=np.int16), np.zeros(4000, dtype=np.int16)])
    out = trim_trailing_silence(pcm)
    assert len(out) == 1000 + 660
    assert np.array_equal(trim_trailing_silence(np.zeros(50, dtype=np.int16)), np.zeros(50))


@pytest.mark.parametrize("chars", [20, 57, 150, 400])
def test_the_warm_up_clause_is_one_clause_of_about_the_longest_length(chars: int) -> None:
    text = filler_clause(chars)
    assert chars - 12 <= len(text) <= chars
    assert text.endswith(".") and not any(mark in text[:-1] for mark in ".,;:!?")


def test_a_tiny_length_still_gives_one_word() -> None:
    assert filler_clause(1) == "the."
