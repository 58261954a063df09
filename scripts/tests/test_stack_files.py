"""What the stack writes is its user's alone (0700 folders, 0600 files): the real launcher
and the real backend, with stand-ins for livekit-server (an HTTP server), the model host and
the agent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FAKE_AGENT = "import time\ntime.sleep(600)\n"
sys.path.insert(0, str(ROOT / "bench"))

from stack_runner import free_port  # noqa: E402


def post_token(url: str) -> int:
    request = urllib.request.Request(
        url + "api/token", data=b"{}", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        status: int = response.status
        return status


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_state_and_data_folders_are_private(tmp_path: Path) -> None:
    ports = {name: str(free_port()) for name in ("LIVEKIT", "BACKEND", "HEALTH", "METRICS")}
    fake_livekit = tmp_path / "livekit-server"
    fake_livekit.write_text(
        f"#!/bin/sh\nexec {sys.executable} -m http.server {ports['LIVEKIT']} --bind 127.0.0.1\n"
    )
    fake_livekit.chmod(0o755)
    agent_pkg = tmp_path / "fake" / "voice_agent"  # found before the real one on PYTHONPATH
    agent_pkg.mkdir(parents=True)
    (agent_pkg / "__init__.py").write_text("")
    (agent_pkg / "main.py").write_text(FAKE_AGENT)
    (agent_pkg / "model_host.py").write_text(FAKE_AGENT)
    state, data = tmp_path / "state", tmp_path / "data"
    data.mkdir(mode=0o755)  # as an earlier version left it: tightened at start
    (data / "backend.db").touch(mode=0o644)
    os.chmod(data, 0o755)
    os.chmod(data / "backend.db", 0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "LIVEKIT_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        VA_STATE_DIR=str(state),
        VA_DATA_DIR=str(data),
        LIVEKIT_SERVER_BIN=str(fake_livekit),
        LIVEKIT_PORT=ports["LIVEKIT"],
        LIVEKIT_RTC_UDP_PORT=str(free_port(socket.SOCK_DGRAM)),
        BACKEND_PORT=ports["BACKEND"],
        AGENT_HEALTH_PORT=ports["HEALTH"],
        AGENT_METRICS_PORT=ports["METRICS"],
        MODEL_HOST_PORT=str(free_port()),
        PYTHONPATH=str(agent_pkg.parent),
        BACKEND_AGENT_CAPACITY_CHECK="false",  # no real agent reports capacity here
    )
    stack = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "stack.py")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=0o022,  # the common default: the launcher must not rely on the caller's
    )
    url = f"http://127.0.0.1:{ports['BACKEND']}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert stack.poll() is None, "the stack exited"
            try:
                assert post_token(url) == 200  # a write: the SQLite WAL files exist
                break
            except OSError:
                assert time.monotonic() < deadline, "the backend did not come up"
                time.sleep(0.2)
        folders = [state, state / "logs", data]
        files = [p for folder in folders for p in folder.iterdir() if p.is_file()]
        assert {p.name for p in files} >= {"backend.db", "backend.db-wal", "secrets.env"}
        assert {p.name for p in files} >= {"backend.log", "livekit.log", "livekit.yaml"}
        assert {str(p): mode(p) for p in folders} == dict.fromkeys(map(str, folders), 0o700)
        assert {str(p): mode(p) for p in files} == dict.fromkeys(map(str, files), 0o600)
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=30)
