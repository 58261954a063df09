"""bench/latency: the table keeps unanswered turns, and a record names a clean tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

BENCH = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(BENCH), str(BENCH / "latency")]
import machine  # noqa: E402
import run  # noqa: E402
from voice_client import TurnResult  # noqa: E402


def turn(latency: float | None, **figures: float) -> TurnResult:
    return TurnResult(prompt="p", latency_s=latency, figures=figures)


def rows(table: str) -> dict[str, list[str]]:
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    return {c[0]: c[1:] for c in cells}


def test_the_median_interpolates_between_the_middle_two() -> None:
    results = [turn(s) for s in (0.9, 1.0, 1.2, 1.3)]
    client = rows(run.table(results))["**end of user speech → first agent audio (client)**"]
    assert client == ["1.100", "1.285", "4", "0"]


def test_unanswered_turns_count_as_no_reply_instead_of_being_dropped() -> None:
    results = [turn(1.0, e2e_latency=0.8) for _ in range(8)] + [turn(None), turn(None)]
    table = rows(run.table(results))
    client = table["**end of user speech → first agent audio (client)**"]
    assert client == ["1.000", "no reply", "10", "2"]  # p95 reaches the unanswered turns
    assert table["agent e2e (agent clock)"] == ["0.800", "no reply", "10", "2"]
    assert table["LLM first token"] == ["no reply", "no reply", "10", "10"]


def test_a_dirty_tree_is_not_recorded_without_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_stack(*_: Any, **__: Any) -> None:
        raise AssertionError("the stack must not start")

    monkeypatch.setattr(machine, "tree_is_clean", lambda: False)
    monkeypatch.setattr(run, "start_bench_stack", no_stack)
    monkeypatch.setattr(sys, "argv", ["run.py", "--turns", "1"])
    with pytest.raises(SystemExit, match="uncommitted changes"):
        run.main()


def test_the_record_says_whether_the_tree_was_clean() -> None:
    assert machine.tree_note(True) == "Tree: clean."
    assert "uncommitted changes" in machine.tree_note(False)
    assert "--allow-dirty" in machine.tree_note(False)


def test_tree_is_clean_sees_edits_and_untracked_files(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a")
    assert machine.tree_is_clean(tmp_path)
    (tmp_path / "a.txt").write_text("b\n")
    assert not machine.tree_is_clean(tmp_path)
    git("checkout", "a.txt")
    (tmp_path / "new.txt").write_text("n\n")
    assert not machine.tree_is_clean(tmp_path)


def test_outside_a_repository_the_tree_is_not_called_clean(tmp_path: Path) -> None:
    assert not machine.tree_is_clean(tmp_path)
