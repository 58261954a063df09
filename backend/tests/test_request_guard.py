"""The drive-by guard's decisions: what counts as this origin, and trusted other origins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from app.core.config import Settings
from app.core.request_guard import is_json, same_origin
from app.main import create_app

pytestmark = pytest.mark.unit

NONE: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"host": "127.0.0.1:8000"}, True),  # no browser headers: not a page
        ({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}, True),
        ({"host": "voice.example", "origin": "https://voice.example"}, True),
        ({"host": "voice.example:443", "origin": "https://voice.example"}, True),
        ({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8001"}, False),
        ({"host": "127.0.0.1:8000", "origin": "http://localhost:8000"}, False),
        ({"host": "127.0.0.1:8000", "origin": "null"}, False),
        # Sec-Fetch-Site wins: a dev proxy rewrites Host, the browser still says same-origin.
        (
            {
                "host": "127.0.0.1:8000",
                "origin": "http://127.0.0.1:5173",
                "sec-fetch-site": "same-origin",
            },
            True,
        ),
        (
            {
                "host": "127.0.0.1:8000",
                "origin": "http://127.0.0.1:8000",
                "sec-fetch-site": "cross-site",
            },
            False,
        ),
    ],
)
def test_same_origin(headers: dict[str, str], allowed: bool) -> None:
    assert same_origin(Headers(headers), NONE) is allowed


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/webhook+json", True),
        ("text/plain", False),
        ("application/x-www-form-urlencoded", False),
        (None, False),
    ],
)
def test_is_json(content_type: str | None, json: bool) -> None:
    assert is_json(content_type) is json


def test_a_trusted_origin_may_post(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings(trusted_origins=("https://app.example",)))
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as c:
        site = {"Sec-Fetch-Site": "cross-site"}
        trusted = c.post("/api/token", json={}, headers={"Origin": "https://app.example", **site})
        other = c.post("/api/token", json={}, headers={"Origin": "https://b.example", **site})
    assert (trusted.status_code, other.status_code) == (200, 403)
