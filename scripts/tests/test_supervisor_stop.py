"""Stopping a stack (scripts/supervisor.py): each process gets its own time after SIGTERM (the
agent its drain), and a second Ctrl-C stops everything at once. Small real processes stand
in for the services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from supervisor import Supervisor  # noqa: E402

# a service that, on SIGTERM, finishes its work for `seconds` and then exits cleanly
DRAINER = textwrap.dedent(
    """
    import pathlib, signal, sys, time
    def drain(*_):
        time.sleep(float(sys.argv[2]))
        pathlib.Path(sys.argv[1]).write_text("drained")
        sys.exit(0)
    signal.signal(signal.SIGTERM, drain)
    print("up", flush=True)
    while True:
        time.sleep(1)
    """
)


def test_each_process_gets_its_own_stop_time(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, ("agent", "other"))
    done = tmp_path / "agent-drained"
    supervisor.spawn(
        "agent",
        [sys.executable, "-c", DRAINER, str(done), "1.0"],
        dict(os.environ),
        echo=False,
        markers=("up",),
        stop_timeout_s=60.0,
    )
    # the same program with too little time for its work
    supervisor.spawn(
        "other",
        [sys.executable, "-c", DRAINER, str(tmp_path / "other-drained"), "30"],
        dict(os.environ),
        echo=False,
        markers=("up",),
        stop_timeout_s=0.5,
    )
    supervisor.wait_for_log("agent", "agent", "up", 30)
    supervisor.wait_for_log("other", "other", "up", 30)
    supervisor.stop()
    assert supervisor.procs["agent"].returncode == 0
    assert done.read_text() == "drained"
    assert supervisor.procs["other"].returncode == -signal.SIGKILL
    assert not (tmp_path / "other-drained").exists()


# a stack of one service that would take ten minutes to stop
STACK = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from supervisor import Supervisor
    s = Supervisor(__import__("pathlib").Path(sys.argv[2]), ("agent",))
    def start():
        s.spawn("agent", [sys.executable, "-c", sys.argv[3], sys.argv[4], "600"],
                dict(os.environ), echo=True, markers=("up",), stop_timeout_s=600.0,
                stop_note="letting running calls end")
        s.wait_for_log("agent", "agent", "up", 30)
        print("stack: ready", flush=True)
    s.run_until_signal(start)
    """
)


def test_a_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    stack = subprocess.Popen(
        [
            sys.executable,
            "-c",
            STACK,
            str(ROOT / "scripts"),
            str(tmp_path),
            DRAINER,
            str(tmp_path / "drained"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert stack.stdout is not None
    output: list[str] = []
    try:
        for line in stack.stdout:
            output.append(line)
            if "stack: ready" in line:
                break
        [service] = psutil.Process(stack.pid).children()
        stack.send_signal(signal.SIGINT)
        for line in stack.stdout:
            output.append(line)
            if "Ctrl-C again" in line:
                break
        assert service.is_running(), "the service was killed before it could drain"
        stack.send_signal(signal.SIGINT)
        rest, _ = stack.communicate(timeout=30)
    finally:
        if stack.poll() is None:
            stack.kill()
    text = "".join(output) + rest
    assert "agent: letting running calls end (Ctrl-C again to stop it now)" in text
    assert "stack: stopping now" in text
    assert stack.returncode == 0
    service.wait(timeout=10)  # killed with the stack, not left behind
    assert not (tmp_path / "drained").exists()


# a worker with a child in its process group: on SIGTERM it stops the child itself (as the
# agent worker stops its job processes); a child left behind ignores SIGTERM
LEADER = textwrap.dedent(
    """
    import pathlib, signal, subprocess, sys, time
    log = pathlib.Path(sys.argv[1])
    child = subprocess.Popen(
        [sys.executable, "-c", sys.argv[2], sys.argv[1]], stdout=subprocess.PIPE
    )
    child.stdout.readline()  # its handlers are set: a SIGTERM now is noted, not fatal
    def stop(*_):
        with log.open("a") as f:
            f.write("leader stops its child\\n")
        time.sleep(0.3)  # the child would have seen a SIGTERM sent to the group by now
        child.send_signal(signal.SIGUSR1)
        child.wait()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print("up", child.pid, flush=True)
    while True:
        time.sleep(1)
    """
)
CHILD = textwrap.dedent(
    """
    import pathlib, signal, sys, time
    log = pathlib.Path(sys.argv[1])
    def note(sig, _frame):
        with log.open("a") as f:
            f.write(f"child got {signal.Signals(sig).name}\\n")
        if sig == signal.SIGUSR1:
            sys.exit(0)
    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGUSR1, note)
    print("ready", flush=True)
    while True:
        time.sleep(1)
    """
)


@pytest.mark.parametrize("leader_only", [True, False])
def test_sigterm_to_the_leader_alone_lets_it_stop_its_children(
    tmp_path: Path, leader_only: bool
) -> None:
    supervisor = Supervisor(tmp_path, ("agent",))
    log = tmp_path / "signals"
    supervisor.spawn(
        "agent",
        [sys.executable, "-c", LEADER, str(log), CHILD],
        dict(os.environ),
        echo=False,
        markers=("up",),
        stop_timeout_s=30.0,
        term_leader_only=leader_only,
    )
    supervisor.wait_for_log("agent", "agent", "up", 30)
    child = psutil.Process(supervisor.procs["agent"].pid).children()[0]
    supervisor.stop()
    assert supervisor.procs["agent"].returncode == 0
    lines = log.read_text().splitlines()
    if leader_only:
        assert lines == ["leader stops its child", "child got SIGUSR1"]
    else:  # the whole group: the child got it too, before its leader stopped it
        assert "child got SIGTERM" in lines
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


def test_what_a_stopped_leader_leaves_in_its_group_is_killed(tmp_path: Path) -> None:
    stray = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)"
    leader = (
        "import subprocess, sys, time, signal\n"
        f"subprocess.Popen([sys.executable, '-c', {stray!r}])\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
        "print('up', flush=True)\n"
        "time.sleep(600)\n"
    )
    supervisor = Supervisor(tmp_path, ("agent",))
    supervisor.spawn(
        "agent",
        [sys.executable, "-c", leader],
        dict(os.environ),
        echo=False,
        markers=("up",),
        term_leader_only=True,
    )
    supervisor.wait_for_log("agent", "agent", "up", 30)
    stray_proc = psutil.Process(supervisor.procs["agent"].pid).children()[0]
    supervisor.stop()
    stray_proc.wait(timeout=10)  # it ignores SIGTERM and sleeps for 10 minutes: killed
    assert not stray_proc.is_running()
