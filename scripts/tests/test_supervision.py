"""make run's supervisor on the real stack: a crashed process is restarted, and a killed
supervisor takes its processes with it (none is left holding a port)."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from stack_runner import free_stack_ports, running_stack, stack_env  # noqa: E402

PORTS = free_stack_ports()
HEALTH = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}/api/health"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[psutil.Process]:
    env = stack_env(tmp_path, PORTS)
    with running_stack(env) as proc:
        yield psutil.Process(proc.pid)


def child(stack: psutil.Process, command_part: str) -> psutil.Process:
    [found] = [p for p in stack.children() if command_part in " ".join(p.cmdline())]
    return found


def healthy() -> bool:
    try:
        with urllib.request.urlopen(HEALTH, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_a_crashed_process_is_restarted_and_a_killed_supervisor_leaves_nothing(
    stack: psutil.Process,
) -> None:
    backend = child(stack, "-m app")
    backend.kill()
    backend.wait(10)
    deadline = time.monotonic() + 60
    while not healthy() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert healthy(), "the backend was not restarted"
    assert child(stack, "-m app").pid != backend.pid

    everything = stack.children(recursive=True)
    os.kill(stack.pid, signal.SIGKILL)
    gone, alive = psutil.wait_procs(everything, timeout=60)
    assert alive == [], f"left running: {[' '.join(p.cmdline())[:80] for p in alive]}"
    for port in (PORTS["LIVEKIT_PORT"], PORTS["BACKEND_PORT"], PORTS["MODEL_HOST_PORT"]):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(port)))  # free again
