"""bench/capacity: a turn with no answer and a caller refused a call stay in the table."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

RUN = Path(__file__).resolve().parents[1] / "capacity" / "run.py"
spec = importlib.util.spec_from_file_location("capacity_run", RUN)
assert spec is not None and spec.loader is not None
capacity = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = capacity  # dataclasses look their module up there
spec.loader.exec_module(capacity)


def test_an_unanswered_turn_is_a_failure_not_a_gap() -> None:
    rung = capacity.Rung(callers=3, served=2, turns=4, latencies=[0.8, 1.0, 1.2, None])
    assert rung.pct(50) == pytest.approx(1.1)
    assert math.isinf(rung.pct(95))
    row = capacity.table([rung]).splitlines()[-1]
    assert "| 2/3 | 3/4 |" in row and "| inf |" in row


def test_memory_per_call_is_growth_over_the_idle_stack() -> None:
    rung = capacity.Rung(callers=2, served=2, pss_mib=1500.0, idle_pss_mib=1300.0)
    assert rung.pss_per_call == 100.0
    assert math.isnan(capacity.Rung(callers=1).pss_per_call)  # nobody served
