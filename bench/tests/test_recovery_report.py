"""bench/recovery: a kill after which no agent spoke is a failure in the percentiles and the
verdict, never a gap; the table's columns; questions found in order in the stored turns."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "recovery")]

import recovery_report as report  # noqa: E402


def ok(seconds: float) -> report.Trial:
    return report.Trial(seconds, history_kept=True, answered=True, on_topic=True)


def test_a_trial_that_never_recovered_counts_as_never() -> None:
    never = report.Trial(None, history_kept=False, answered=False, on_topic=False)
    trials = [ok(1.0), ok(2.0), never]
    assert report.seconds(trials) == [1.0, 2.0, math.inf]
    table = report.trials_table(trials)
    assert "| 1 | yes | 1.00 | yes | yes |" in table
    assert "| 3 | **no** | never | **no** | **no** |" in table
    summary = report.summary_table(trials, stored_in_order=True)
    assert "| recovered | 2/3 |" in summary
    assert "| kill → speech p50 (s) | 2.00 |" in summary
    assert "| kill → speech p95 (s) | never |" in summary
    assert report.misses(trials, stored_in_order=True) == [
        "1 of 3 kills never recovered",
        "kill → speech p95 never s (target at most 3 s)",
        "1 of 3 questions after a kill not answered on topic",
        "1 of 3 new agents did not repeat the user's last words",
    ]


def test_percentiles_are_interpolated_and_the_target_is_on_p95() -> None:
    trials = [ok(s) for s in (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 3.6)]
    summary = report.summary_table(trials, stored_in_order=True)
    assert "| kill → speech p50 (s) | 1.90 |" in summary
    assert "| kill → speech p95 (s) | 3.15 |" in summary  # 2.6 + 0.55 * (3.6 - 2.6)
    assert report.misses(trials, stored_in_order=True) == [
        "kill → speech p95 3.15 s (target at most 3 s)"
    ]
    assert report.misses(trials[:9], stored_in_order=True) == []


def test_an_off_topic_answer_and_a_lost_transcript_are_misses() -> None:
    off = report.Trial(1.0, history_kept=True, answered=True, on_topic=False)
    assert "| 1 | yes | 1.00 | off topic | yes |" in report.trials_table([off])
    assert report.misses([off], stored_in_order=False) == [
        "1 of 1 questions after a kill not answered on topic",
        "the stored transcript misses a question or has them out of order",
    ]
    assert report.misses([], stored_in_order=True) == ["no trial ran"]


def test_questions_are_found_in_order_with_other_turns_between() -> None:
    users = ["Hello", "What is the capital of France?", "um", "How many days are into a week?"]
    assert report.asked_in_order(users, ["france", "week"])
    assert not report.asked_in_order(users, ["week", "France"])
    assert not report.asked_in_order(users, ["France", "Italy"])
    # a repeated question needs as many stored turns
    assert report.asked_in_order(["my colour", "colour?", "color?"], ["colo"] * 3)
    assert not report.asked_in_order(["my colour", "colour?"], ["colo"] * 3)
