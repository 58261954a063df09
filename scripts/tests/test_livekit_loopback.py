"""The generated livekit-server config keeps every socket on loopback (a real server)."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from livekit import api
from livekit.protocol import rtc

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "bench")]
import stack  # noqa: E402
from stack_runner import free_port  # noqa: E402
from supervisor import http_ok  # noqa: E402

# below the kernel's range for outgoing connections: a fixed port in it was once taken by a
# client socket, and livekit-server exits (with status 0) when it cannot listen
PORT, UDP_PORT = free_port(), free_port(socket.SOCK_DGRAM)


@pytest.fixture
def livekit(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    cfg = dataclasses.replace(
        stack.Config(), livekit_port=PORT, rtc_tcp_port=0, rtc_udp_port=UDP_PORT
    )
    config = tmp_path / "livekit.yaml"
    config.write_text(stack.livekit_yaml(cfg, "testkey", "s" * 40))
    proc = subprocess.Popen(
        [str(cfg.livekit_bin), "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not http_ok(f"http://127.0.0.1:{PORT}/") and time.monotonic() < deadline:
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
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=5) as response:
        assert response.status == 200
    sockets = sockets_of(livekit.pid)
    assert ("tcp", f"127.0.0.1:{PORT}") in sockets  # signalling, APIs, agent workers
    assert ("udp", f"127.0.0.1:{UDP_PORT}") in sockets  # media (single UDP port)
    assert all(address.startswith("127.0.0.1:") for _, address in sockets), sockets


def ice_servers_handed_to_a_client(port: int, key: str, secret: str) -> list[str]:
    """Join a room over the signalling WebSocket, as a browser does, and return the ICE server
    URLs of livekit-server's JoinResponse."""
    token = (
        api.AccessToken(key, secret)
        .with_identity("ice-probe")
        .with_grants(api.VideoGrants(room_join=True, room="ice-probe"))
        .to_jwt()
    )

    async def join() -> list[str]:
        url = f"ws://127.0.0.1:{port}/rtc?access_token={token}&protocol=16&auto_subscribe=1"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.BINARY:
                    continue
                response = rtc.SignalResponse.FromString(message.data)
                if response.HasField("join"):
                    return [url for server in response.join.ice_servers for url in server.urls]
        raise AssertionError("livekit-server closed the signalling connection before joining")

    return asyncio.run(asyncio.wait_for(join(), 20))


def test_clients_are_handed_no_ice_server_off_this_machine(
    livekit: subprocess.Popen[bytes],
) -> None:
    urls = ice_servers_handed_to_a_client(PORT, "testkey", "s" * 40)
    assert urls  # livekit-server always hands some: its default is Google's public STUN
    assert all(url.startswith("stun:127.0.0.1:") for url in urls), urls
