"""How long the real backend keeps an idle keep-alive connection (BACKEND_KEEP_ALIVE_SECONDS).
A client or proxy that reuses connections (Node's agent in Playwright and Vite's proxy: idle
up to 5 s; nginx's upstream pool: 60 s) sends its next request on a connection the server
may be closing at that moment: a reset, unless the server waits longer than they do."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

import pytest
from live_backend import start_backend

pytestmark = pytest.mark.db

NODE_AGENT_IDLE_S = 5


def ask(connection: http.client.HTTPConnection) -> int:
    """One request on this connection (http.client reuses an open one); its status."""
    connection.request("GET", "/api/health")
    response = connection.getresponse()
    response.read()
    return response.status


def test_an_idle_connection_outlives_a_node_agents_reuse(tmp_path: Path) -> None:
    backend = start_backend(tmp_path)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=30)
        assert ask(connection) == 200
        sock = connection.sock
        time.sleep(NODE_AGENT_IDLE_S + 1)
        assert ask(connection) == 200  # a closed one raises RemoteDisconnected here
        assert connection.sock is sock
        connection.close()
    finally:
        backend.stop()


def test_the_server_closes_a_connection_idle_past_the_setting(tmp_path: Path) -> None:
    backend = start_backend(tmp_path, BACKEND_KEEP_ALIVE_SECONDS="1")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=30)
        assert ask(connection) == 200
        assert connection.sock is not None
        assert connection.sock.recv(1) == b""  # closed by the server, long before the timeout
        connection.close()
    finally:
        backend.stop()
