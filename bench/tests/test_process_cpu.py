"""bench/capacity/process_cpu.py: a rung's CPU split by process, read from a real process tree."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capacity"))
import process_cpu  # noqa: E402

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\n"


def test_a_process_started_during_the_rung_counts_from_zero_and_an_idle_one_counts_nothing() -> (
    None
):
    # a "stack": this shell's children; the idle one burns CPU before the rung starts only
    idle = subprocess.Popen([sys.executable, "-c", BURN.format(s=0.3) + "time.sleep(30)"])
    try:
        time.sleep(1.0)
        cpu = process_cpu.StackCpu(idle.pid)
        cpu.start()
        busy = subprocess.run([sys.executable, "-c", BURN.format(s=0.4)], check=True)
        assert busy.returncode == 0
        cpu.sample()
        # the busy process was not under the stack: nothing of it is counted
        assert sum(cpu.seconds().values()) < 0.1
    finally:
        idle.kill()
        idle.wait()


def test_a_childs_cpu_is_counted_under_its_role_while_it_runs() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys\n"
            f"subprocess.run([sys.executable, '-c', {BURN.format(s=0.5)!r}])\n",
        ]
    )
    try:
        cpu = process_cpu.StackCpu(parent.pid)
        cpu.start()
        deadline = time.monotonic() + 20
        while parent.poll() is None and time.monotonic() < deadline:
            cpu.sample()
            time.sleep(0.05)
        counted = cpu.seconds()
        assert counted["other (stack)"] > 0.3  # the child's burn, sampled before it ended
        assert set(counted) == set(process_cpu.ROLES)
    finally:
        parent.kill()
        parent.wait()


def test_the_rest_of_the_box_is_what_no_named_process_used() -> None:
    cores = process_cpu.os.cpu_count() or 1
    stack = {"livekit-server": 0.1 * cores * 10, "agent jobs": 0.3 * cores * 10}
    shares = process_cpu.split(stack, {"callers": 0.05 * cores * 10}, busy_share=0.9, wall_s=10)
    assert shares["livekit-server"] == pytest.approx(0.1)
    assert shares["rest of the box"] == pytest.approx(0.45)
    # never negative: sampling misses a process's last half second
    assert process_cpu.split(stack, {}, busy_share=0.2, wall_s=10)["rest of the box"] == 0


def test_the_table_shows_each_rungs_cost_per_call_served_in_share_of_a_core() -> None:
    cores = process_cpu.os.cpu_count() or 1
    shares = {"livekit-server": 0.02, "agent jobs": 0.4, "agent worker": 0.1, "backend": 0.0}
    rows = process_cpu.table([(10, 5, shares), (2, 0, shares)]).splitlines()
    assert "backend" not in rows[0]  # a role that used nothing in any rung is left out
    first = rows[2].split(" | ")
    assert (
        first[-2] == f"{0.5 * cores / 5:.1%}"
        and first[-1].rstrip(" |") == f"{0.02 * cores / 5:.1%}"
    )
    assert rows[3].endswith("| - | - |")  # nobody served: no cost per call
