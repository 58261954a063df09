"""The real backend in a subprocess (`python -m app` or the uvicorn factory) on a free port,
for tests of what only a real server shows: the sockets it accepts, the headers it believes,
the files it creates."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from live_servers import START_TIMEOUT_S, free_port, terminate

BACKEND_DIR = Path(__file__).resolve().parents[1]
LIVEKIT_KEY = "test-livekit-key"
LIVEKIT_SECRET = "test-livekit-secret-0123456789abcdef"
_SIOCGIFADDR = 0x8915


@dataclass
class LiveBackend:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        terminate(self.process)


def backend_env(tmp: Path, **env: str) -> dict[str, str]:
    """A clean environment: none of the developer's BACKEND_/LIVEKIT_ settings leak in."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKEND_", "LIVEKIT_", "DATABASE_URL", "REDIS_URL"))
    }
    return {
        **clean,
        "LIVEKIT_API_KEY": LIVEKIT_KEY,
        "LIVEKIT_API_SECRET": LIVEKIT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp / 'backend.db'}",
        "WEB_DIST": str(tmp / "no-dist"),
        # no agent worker reports to these backends
        "BACKEND_AGENT_CAPACITY_CHECK": "false",
        "BACKEND_AGENT_REDISPATCH_INTERVAL_SECONDS": "0",
        # tokens for new rooms that nobody joins, many per test module
        "BACKEND_MAX_CALLS_PER_USER": "1000",
        **env,
    }


def start_backend(tmp: Path, *, factory_host: str | None = None, **env: str) -> LiveBackend:
    """`python -m app`, or with factory_host `uvicorn --factory app.asgi:app_from_env` bound
    to that address; waits until it answers HTTP, or raises with its output."""
    port = free_port()
    if factory_host is None:
        argv = [sys.executable, "-m", "app"]
        env = {"BACKEND_PORT": str(port), **env}
    else:
        argv = [sys.executable, "-m", "uvicorn", "--factory", "app.asgi:app_from_env"]
        argv += ["--host", factory_host, "--port", str(port)]
    log = tmp / f"backend-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=BACKEND_DIR, env=backend_env(tmp, **env), stdout=out, stderr=out
        )
    backend = LiveBackend(process=process, port=port, log=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(httpx.TransportError):
            httpx.get(backend.url() + "/api/auth/session", timeout=1)
            return backend
        time.sleep(0.1)
    backend.stop()
    raise RuntimeError(f"the backend did not start (exit {process.poll()}):\n{backend.output()}")


def non_loopback_ipv4() -> str:
    """An IPv4 address of this machine that is not loopback (Linux)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _, name in socket.if_nameindex():
            with contextlib.suppress(OSError):
                request = struct.pack("256s", name.encode()[:15])
                packed = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
                address = socket.inet_ntoa(packed[20:24])
                if not address.startswith("127."):
                    return address
    raise RuntimeError("this test needs a network interface with a non-loopback IPv4 address")
