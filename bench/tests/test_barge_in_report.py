"""bench/quality/barge_in.py: the barge-in summary row (stop time percentiles, false
interruptions) from scripted outcomes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "quality")]
from barge_in import Sound, Trial, summary_row  # noqa: E402
from overlap_session import Overlap  # noqa: E402

SILENT = np.zeros(1, np.float32)


def _trial(speech: bool, outcome: str, decided: float | None, paused: float | None = None) -> Trial:
    stop = None if decided is None else decided + 0.2
    overlap = Overlap(0.0, 0.5, decided, stop, paused, outcome)  # type: ignore[arg-type]
    return Trial(Sound("s", speech, SILENT), overlap)


def test_summary_counts_outcomes_and_takes_percentiles_of_the_stops() -> None:
    trials = [
        _trial(True, "stopped", 0.1),
        _trial(True, "stopped", 0.3),
        _trial(False, "stopped", 0.1),
        _trial(False, "resumed", 0.1, paused=2.0),
        _trial(False, "continued", None),
        _trial(False, "continued", None),
    ]
    cells = [c.strip() for c in summary_row("default", trials).strip("|").split("|")]
    assert cells == ["default", "2/2", "200 / 290", "400 / 490", "25 % (1/4)", "1 (2000)", "2"]


def test_a_request_the_agent_never_stopped_for_shows_as_never() -> None:
    trials = [_trial(True, "stopped", 0.2), _trial(True, "continued", None)]
    cells = [c.strip() for c in summary_row("default", trials).strip("|").split("|")]
    assert cells[1] == "1/2"
    assert cells[2] == "never / never"
