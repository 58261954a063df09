"""The generated livekit-server config keeps every socket on loopback (a real server)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import stack  # noqa: E402


@pytest.fixture
def livekit(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    cfg = dataclasses.replace(
        stack.Config(), livekit_port=46880, rtc_tcp_port=0, rtc_udp_port=46882
    )
    config = tmp_path / "livekit.yaml"
    config.write_text(stack.livekit_yaml(cfg, "testkey", "s" * 40))
    proc = subprocess.Popen(
        [str(cfg.livekit_bin), "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not stack.http_ok("http://127.0.0.1:46880/") and time.monotonic() < deadline:
        assert proc.poll() is None, "livekit-server exited"
        time.sleep(0.2)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def sockets_of(pid: int) -> list[tuple[str, str]]:
    """(protocol, local address) of every listening TCP and bound UDP socket of ``pid``."""
    out = subprocess.run(
        ["ss", "-H", "-l", "-n", "-t", "-u", "-p"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (fields[0], fields[4])
        for line in out.splitlines()
        if f"pid={pid}," in line and len(fields := line.split()) >= 5
    ]


def test_livekit_server_listens_on_loopback_only(livekit: subprocess.Popen[bytes]) -> None:
    with urllib.request.urlopen("http://127.0.0.1:46880/", timeout=5) as response:
        assert response.status == 200
    sockets = sockets_of(livekit.pid)
    assert ("tcp", "127.0.0.1:46880") in sockets  # signalling, APIs, agent workers
    assert ("udp", "127.0.0.1:46882") in sockets  # media (single UDP port)
    assert all(address.startswith("127.0.0.1:") for _, address in sockets), sockets
