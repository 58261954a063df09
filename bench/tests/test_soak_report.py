"""bench/soak: memory growth per process and in total, log levels, the first and last tenth of
the turns, and the targets (an unanswered turn or a grown process is a miss)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "soak")]

import soak_report as report  # noqa: E402

MiB = 2**20


def test_growth_per_process_and_over_the_ones_present_at_both_ends() -> None:
    start = {
        "backend": report.Memory(100 * MiB, 90 * MiB),
        "job process 7": report.Memory(200 * MiB),
    }
    end = {"backend": report.Memory(105 * MiB, 95 * MiB), "job process 9": report.Memory(50 * MiB)}
    rows = {r.name: r for r in report.growth(start, end)}
    assert rows["backend"].ratio == pytest.approx(0.05)
    assert math.isnan(rows["job process 7"].ratio) and rows["job process 7"].end is None
    assert rows["job process 9"].start is None
    assert rows["total"].start == report.Memory(100 * MiB, 90 * MiB)  # only the backend
    table = report.memory_table(list(rows.values()))
    assert "| backend | 100 | 105 | +5.0% | 90 | 95 |" in table
    assert "| job process 7 | 200 | – | gone | – | – |" in table
    assert "| job process 9 | – | 50 | new | – | – |" in table


def test_a_process_over_the_growth_target_and_an_unanswered_turn_are_misses() -> None:
    rows = report.growth(
        {"model host": report.Memory(1000 * MiB), "backend": report.Memory(100 * MiB)},
        {"model host": report.Memory(1050 * MiB), "backend": report.Memory(120 * MiB)},
    )
    missed = report.misses(rows, [0.9, None, 1.1], max_growth=0.10)
    assert missed == [
        "backend: RSS grew +20.0% (target at most +10%)",
        "1 of 3 turns unanswered (target: none)",
    ]  # the total grew 6.4%: within the target
    assert report.misses(rows[:1], [0.9], max_growth=0.10) == []
    assert report.misses([], [], max_growth=0.10) == ["no turn was asked"]


def test_first_and_last_tenth_keep_unanswered_turns() -> None:
    latencies: list[float | None] = [1.0] * 18 + [None, 2.0]
    first, last = report.tenths(latencies)
    assert first == [1.0, 1.0] and last == [None, 2.0]
    assert math.isinf(report.pct(last, 0.95))
    table = report.turns_table(latencies)
    assert "| all | 20 | 19 |" in table
    assert "| last tenth | 2 | 1 | no reply | no reply |" in table
    assert report.tenths([0.5]) == ([0.5], [0.5])


def test_log_levels_from_json_plain_and_tracebacks() -> None:
    lines = [
        '{"message": "x", "level": "WARNING"}',
        '{"message": "y", "level": "error"}',
        '{"message": "z", "level": "INFO"}',
        "ERROR:    Exception in ASGI application",
        "Traceback (most recent call last):",
        "2026-11-30T10:00:00Z\tWARN\tlivekit\trtc/room.go:1\tslow",
        "INFO: 127.0.0.1 - GET /api/health 200",
        "a plain line",
    ]
    counts = report.count_levels(lines)
    assert counts == {"WARNING": 2, "ERROR": 3}
    table = report.levels_table({"agent": counts})
    assert "| agent | 0 | 3 | 2 |" in table


def test_the_timeline_spreads_its_columns_and_ends_at_the_last_sample() -> None:
    samples = [(60.0 * i, {"model host": report.Memory((1000 + 10 * i) * MiB)}) for i in range(21)]
    samples[-1][1]["job process 5"] = report.Memory(400 * MiB)
    table = report.timeline_table(samples, columns=6)
    header, _, host, job = table.splitlines()
    assert header.startswith("| process | 0.0 min | 4.0 min |") and header.endswith("20.0 min |")
    assert host.endswith("| 1200 |") and job.startswith("| job process 5 | – |")
    assert report.timeline_table([]) == ""
