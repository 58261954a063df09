"""Start the whole stack (scripts/stack.py) in the background and wait until it is ready.

For the benchmarks and the integration tests, which run it on their own ports and state
folder (the environment given) and stop it with `stop_stack`.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class StackFailed(RuntimeError):
    """The stack exited or did not become ready; the message ends with its last lines."""


def start_stack(
    env: dict[str, str], *, timeout_s: float = 300, echo: bool = False, script: str = "stack.py"
) -> subprocess.Popen[bytes]:
    """Run scripts/<script> (stack.py: `make run`; cluster.py: `make run-cluster`) until it
    says it is ready."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout_s
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        lines.append(line)
        if echo and line.startswith(("stack:", "cluster:")):
            print(line.rstrip(), flush=True)
        if "stack: ready" in line or "cluster: ready" in line:
            # keep draining its output so the pipe never fills
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc
        if time.monotonic() > deadline:
            break
    stop_stack(proc)
    raise StackFailed("the stack did not start:\n" + "".join(lines[-30:]))


def stop_stack(proc: subprocess.Popen[bytes], timeout_s: float = 150) -> None:
    """SIGTERM to the whole process group: the launcher stops agent, backend, livekit-server
    (the agent may take its drain plus a margin, 60 s under `make run`). A stack still up
    after ``timeout_s`` is killed, and the bench says so: its figures are taken already."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        print(f"bench: the stack did not stop within {timeout_s:.0f}s: killed", flush=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its children have PDEATHSIG
        proc.wait()


@contextlib.contextmanager
def running_stack(
    env: dict[str, str],
    *,
    script: str = "stack.py",
    timeout_s: float = 300,
    stop_timeout_s: float = 150,
) -> Iterator[subprocess.Popen[bytes]]:
    """The stack, started and ready for the `with` block, then stopped (a test's fixture)."""
    proc = start_stack(env, script=script, timeout_s=timeout_s)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            stop_stack(proc, timeout_s=stop_timeout_s)


_handed_out: set[int] = set()
LOWEST_PORT = 10000
# The fixed ports of stacks that may run beside the integration tests' own: the benches'
# (BENCH_PORTS below) and the browser tests' (web/e2e/support/stack-env.ts), which
# scripts/test.sh runs beside the integration tests.
RESERVED_PORTS = (range(17900, 18500), range(27800, 28500))


def ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    """The first port the kernel gives outgoing connections (32768 when it cannot be read)."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port free right now, never handed out before by this process, and below the
    kernel's range for outgoing connections. A test module picks its ports when it is collected
    and starts its stack minutes later: a kernel-picked port could by then be any client
    socket's, and the stack would fail to bind it (seen in CI: the agent's metrics port).
    Never one of RESERVED_PORTS, which another stack may bind meanwhile."""
    low = ephemeral_low()
    for _ in range(500):
        port = random.randrange(LOWEST_PORT, low) if low > LOWEST_PORT + 1000 else 0
        if port in _handed_out or any(port in reserved for reserved in RESERVED_PORTS):
            continue
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free loopback port found")


def free_stack_ports() -> dict[str, str]:
    """Every port scripts/stack.py opens, each free right now."""
    return {
        "LIVEKIT_PORT": str(free_port()),
        "LIVEKIT_RTC_UDP_PORT": str(free_port(socket.SOCK_DGRAM)),
        "BACKEND_PORT": str(free_port()),
        "AGENT_HEALTH_PORT": str(free_port()),
        "AGENT_METRICS_PORT": str(free_port()),
        "MODEL_HOST_PORT": str(free_port()),
    }


# The benches' own ports (AGENTS.md), beside `make run`'s and the browser tests'
BENCH_PORTS = {
    "LIVEKIT_PORT": "17980",
    "LIVEKIT_RTC_UDP_PORT": "17982",
    "BACKEND_PORT": "18100",
    "AGENT_HEALTH_PORT": "18181",
    "AGENT_METRICS_PORT": "18464",
    "MODEL_HOST_PORT": "18190",
}
BENCH_BACKEND_URL = f"http://127.0.0.1:{BENCH_PORTS['BACKEND_PORT']}"


def start_bench_stack(state_dir: Path) -> subprocess.Popen[bytes]:
    """The stack on the benches' ports (its backend at BENCH_BACKEND_URL), echoing its
    progress; exits naming why when it does not start."""
    try:
        return start_stack(stack_env(state_dir, BENCH_PORTS), echo=True)
    except StackFailed as e:
        raise SystemExit(f"bench: {e}") from None


def stack_env(state_dir: Path, ports: dict[str, str], **extra: str) -> dict[str, str]:
    """This process's environment with the stack's ports and its state and data folder."""
    return {
        **os.environ,
        **ports,
        "VA_STATE_DIR": str(state_dir),
        "VA_DATA_DIR": str(state_dir),
        **extra,
    }
