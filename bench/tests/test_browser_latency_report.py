"""bench/latency/browser_report.py and bench/proc_cpu.py: the browser bench's figures from a
recorded timeline, and CPU time per process from /proc."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "latency")]
import browser_report as report  # noqa: E402
import proc_cpu  # noqa: E402


def row(turn: str, browser: str, *, greeting: bool = False, e2e: str = "—") -> dict[str, Any]:
    return {
        "turn": turn,
        "greeting": greeting,
        "interrupted": False,
        "browserMs": browser,
        "cells": [browser, e2e, "—", "—", "—"],
    }


def snap(wall: int, rows: list[dict[str, Any]], emitted: float, delay: float, **kw: Any) -> dict:
    return {
        "wall": wall,
        "rows": rows,
        "userLines": kw.get("heard", []),
        "inbound": [{"jitterBufferDelay": delay, "jitterBufferEmittedCount": emitted}],
        "playout": kw.get("playout", []),
        "lag": kw.get("lag", {"ticks": 0, "totalMs": 0.0}),
        "references": kw.get("references", []),
    }


def messages(*pairs: tuple[float, float]) -> dict[str, Any]:
    """A greeting, then a user message (end of turn wait) and a reply (e2e) per pair."""
    items: list[dict[str, Any]] = [{"role": "assistant", "text": "hi", "latency": {}}]
    for eot, e2e in pairs:
        items.append({"role": "user", "text": "q", "latency": {"end_of_turn_ms": eot}})
        items.append({"role": "assistant", "text": "a", "latency": {"e2e_ms": e2e}})
    return {"items": items}


GREETING = row("1", "—", greeting=True)
QUESTIONS = [("What do cows drink?", "en-us"), ("What is the largest ocean?", "en-gb")]


def test_each_question_takes_its_panel_row_and_the_stored_agent_figures() -> None:
    timeline = [
        snap(0, [GREETING], 0, 0),
        snap(1000, [GREETING, row("2", "1500")], 48_000, 2_400, heard=["q1"]),
        snap(2000, [GREETING, row("2", "1500"), row("3", "1200")], 96_000, 3_360),
    ]
    turns = report.build_turns(
        {"timeline": timeline, "messages": messages((300, 1100), (350, 900))}, QUESTIONS
    )
    assert [t.browser_ms for t in turns] == [1500.0, 1200.0]
    assert [t.agent["e2e_ms"] for t in turns] == [1100.0, 900.0]
    assert [t.agent["end_of_turn_ms"] for t in turns] == [300.0, 350.0]
    assert turns[0].gap_ms == 400.0
    # the jitter buffer over each turn: its seconds per emitted sample, in ms
    assert turns[0].jitter_buffer_ms == pytest.approx(50.0)
    assert turns[1].jitter_buffer_ms == pytest.approx(20.0)


def test_a_question_with_no_row_is_a_turn_with_no_reply_and_counts_in_the_table() -> None:
    rows = [GREETING, row("2", "900"), row("3", "1000")]
    timeline = [snap(0, [GREETING], 0, 0), snap(1000, rows, 10, 1)]
    asked = [*QUESTIONS, ("What do bees make?", "en-gb-scotland")]
    recording = {"timeline": timeline, "messages": messages((1, 800), (1, 850))}
    turns = report.build_turns(recording, asked)
    assert [t.answered for t in turns] == [True, True, False]
    table = report.summary_table(turns)
    felt = next(line for line in table.splitlines() if "You felt" in line)
    assert [c.strip() for c in felt.strip("|").split("|")][1:] == ["1000", "no reply", "3", "1"]


def test_a_row_without_stored_figures_falls_back_to_the_panels_e2e() -> None:
    timeline = [
        snap(0, [GREETING], 0, 0),
        snap(500, [GREETING, row("2", "1400", e2e="1000")], 0, 0),
    ]
    (turn,) = report.build_turns({"timeline": timeline, "messages": None}, QUESTIONS[:1])
    assert turn.agent == {"e2e_ms": 1000.0}
    assert turn.jitter_buffer_ms is None  # nothing emitted in the window: no figure, not 0


def test_the_reference_measurement_is_the_last_one_inside_the_turns_window() -> None:
    refs = [{"latencyMs": 700.0, "wall": 400}, {"latencyMs": 1450.0, "wall": 900}]
    timeline = [
        snap(500, [GREETING], 0, 0),
        snap(1000, [GREETING, row("2", "1500")], 0, 0, references=refs),
    ]
    (turn,) = report.build_turns({"timeline": timeline, "messages": None}, QUESTIONS[:1])
    assert turn.reference_ms == 1450.0  # the one at 400 predates the window


def test_panel_cells_parse_whole_milliseconds_or_no_figure() -> None:
    assert report.parse_ms("1234") == 1234.0
    assert report.parse_ms("—") is None
    assert report.parse_ms("") is None


def test_proc_stat_is_read_past_a_name_with_spaces_and_parentheses() -> None:
    line = "4242 (Chrome_ChildIO (x)) S 4200 1 1 0 -1 0 0 0 0 0 17 5 0 0 20 0 8 0 100"
    assert proc_cpu.parse_stat(line) == (4200, 22)


@pytest.mark.parametrize(
    ("cmdline", "kind"),
    [
        ("/usr/lib/chromium/chromium --type=renderer --lang=en", "renderer"),
        (
            "/usr/lib/chromium/chromium --type=utility --utility-sub-type=audio.mojom.AudioService",
            "audio service",
        ),
        ("/usr/lib/chromium/chromium --headless --no-sandbox", "browser"),
        (".venv/bin/python -m voice_agent.main start", "agent (worker, jobs)"),
        (".venv/bin/python -m voice_agent.model_host", "model host (STT, LLM, TTS)"),
        (".tools/bin/livekit-server --config x.yaml", "livekit-server"),
    ],
)
def test_processes_are_named_by_what_they_are(cmdline: str, kind: str) -> None:
    assert proc_cpu.process_kind(cmdline) == kind


def test_cpu_counts_a_process_started_during_the_run_from_zero() -> None:
    first = {10: 100, 11: 50}
    last = {10: ("chromium: renderer", 300), 12: ("chromium: renderer", 40)}
    used = proc_cpu.cpu_seconds(first, last)
    assert used["chromium: renderer"] == pytest.approx(240 * proc_cpu.TICK_S)


def test_a_process_belongs_to_the_tree_of_its_nearest_named_root() -> None:
    procs = {
        p: proc_cpu.ProcInfo(p, parent, "x", 0) for p, parent in ((2, 1), (3, 2), (4, 3), (9, 1))
    }
    roots = {2: "chromium"}
    assert proc_cpu.group_of(4, procs, roots) == "chromium"
    assert proc_cpu.group_of(9, procs, roots) is None


def test_the_agents_clock_splits_the_rest_into_the_way_in_and_the_way_out() -> None:
    # the page: agent audio at wall 10_000 ms, 1_500 ms after the mic's end (8_500)
    refs = [{"latencyMs": 1500.0, "wall": 10_000.0}]
    packet = {"type": "turn_metrics", "turn": 2, "clock": {}}
    packet["clock"] = {"user_stopped_at": 8.6, "agent_started_at": 9.85}  # seconds
    timeline = [
        snap(9_000, [GREETING], 0, 0),
        snap(11_000, [GREETING, row("2", "1510")], 0, 0, references=refs),
    ]
    timeline[-1]["packets"] = [{"record": packet, "wall": 10_900}]
    (turn,) = report.build_turns({"timeline": timeline, "messages": None}, QUESTIONS[:1])
    assert turn.way_in_ms == pytest.approx(100.0)
    assert turn.way_out_ms == pytest.approx(150.0)
