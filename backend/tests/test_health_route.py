from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.livekit import http_url
from app.main import create_app

pytestmark = pytest.mark.unit

SettingsFactory = Callable[..., Settings]


def _health(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> object:
    with TestClient(create_app(settings, livekit_transport=transport)) as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    return response.json()


def test_ok_when_livekit_answers(make_settings: SettingsFactory) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text="OK")

    body = _health(make_settings(), httpx.MockTransport(handler))
    assert body == {"status": "ok", "livekit": "ok"}
    assert seen == ["http://127.0.0.1:7880/"]


def test_unreachable_on_error_status(make_settings: SettingsFactory) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(502))
    assert _health(make_settings(), transport) == {"status": "ok", "livekit": "unreachable"}


def test_unreachable_on_closed_port_is_quick(make_settings: SettingsFactory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    body = _health(make_settings(livekit_url=f"ws://127.0.0.1:{port}"))
    assert body == {"status": "ok", "livekit": "unreachable"}
    assert time.monotonic() - started < 1.5


def test_unreachable_when_livekit_hangs(make_settings: SettingsFactory) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    started = time.monotonic()
    body = _health(make_settings(), httpx.MockTransport(hang))
    assert body == {"status": "ok", "livekit": "unreachable"}
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ws://127.0.0.1:7880", "http://127.0.0.1:7880"),
        ("wss://lk.example.com", "https://lk.example.com"),
        ("http://127.0.0.1:7880", "http://127.0.0.1:7880"),
    ],
)
def test_http_url(url: str, expected: str) -> None:
    assert http_url(url) == expected
