"""bench/quality/cuts_heard.py: when a cut-off clip counts as cut for the caller."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "quality")]
from cuts_heard import Heard, report  # noqa: E402
from turns import Clip  # noqa: E402

CLIP = Clip("cut", "bench", "piper x1.0", "What is the capital of … France?", np.zeros(1), 1.0)


def heard(
    turns: list[str], asked: str | None, *, early: bool = False, answered: bool = True
) -> Heard:
    return Heard(CLIP, turns, early, asked, answered)


def test_two_turns_asked_as_one_sentence_are_not_a_cut() -> None:
    h = heard(["What is the capital of?", "France."], "What is the capital of? France.")
    assert h.asked_whole and not h.cut


def test_answering_the_second_part_alone_is_a_cut() -> None:
    h = heard(["What is the capital of?", "France."], "France.")
    assert not h.asked_whole and h.cut


def test_speaking_during_the_pause_is_a_cut_even_when_asked_whole() -> None:
    h = heard(["What is the capital of France?"], "What is the capital of France?", early=True)
    assert h.asked_whole and h.cut


def test_no_answer_is_a_cut() -> None:
    assert heard(["What is the capital of France?"], None, answered=False).cut
    assert heard([], "What is the capital of France?").cut  # nothing heard from the caller


def test_the_report_counts_each_voice_and_all() -> None:
    rows = report([heard(["a b"], "a b"), heard(["a", "b"], "b")]).splitlines()
    assert rows[2].startswith(
        "| bench | piper x1.0 | 2 | 1/2 | 0/2 | 1/2 | 0/2 | **1/2 (50 %)** | 1/2 (50 %) |"
    )
    assert rows[3].startswith("| bench | all | 2 |")


def test_without_joining_two_turns_count_as_a_cut() -> None:
    h = heard(["What is the capital of?", "France."], "What is the capital of? France.")
    assert not h.cut and h.cut_unjoined
