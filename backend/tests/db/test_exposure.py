"""Who the real backend serves without a sign-in, and what it believes of a request's
headers: a real server on real sockets (`python -m app` and the uvicorn factory)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_backend import LiveBackend, non_loopback_ipv4, start_backend

from app.core import migrate

pytestmark = pytest.mark.db

LOOPBACK_ONLY = {"detail": "without sign-in only loopback connections are served"}
CROSS_ORIGIN = {"detail": "cross-origin request refused"}
NOT_JSON = {"detail": "content type must be application/json"}
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def no_login(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBackend]:
    """`python -m app` on loopback with no users and no keys: the local no-login mode."""
    backend = start_backend(tmp_path_factory.mktemp("no-login"))
    yield backend
    backend.stop()


def conversations(backend: LiveBackend) -> int:
    response = httpx.get(backend.url() + "/api/conversations")
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def test_no_login_mode_serves_loopback(no_login: LiveBackend) -> None:
    assert httpx.post(no_login.url() + "/api/token", json={}).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
def test_no_login_mode_refuses_proxied_requests(
    no_login: LiveBackend, header: dict[str, str]
) -> None:
    response = httpx.get(no_login.url() + "/api/conversations", headers=header)
    assert (response.status_code, response.json()) == (403, LOOPBACK_ONLY)


def test_no_login_mode_refuses_a_peer_off_loopback(tmp_path: Path) -> None:
    """Bound to every address by the ASGI server (settings still say 127.0.0.1): a client
    reaching the machine's network address is refused even with a loopback Host header."""
    address = non_loopback_ipv4()
    migrate.upgrade(f"sqlite:///{tmp_path / 'backend.db'}")  # the factory expects it done
    backend = start_backend(tmp_path, factory_host="0.0.0.0")
    try:
        host = {"Host": f"127.0.0.1:{backend.port}"}
        response = httpx.get(backend.url(address) + "/api/conversations", headers=host)
        assert (response.status_code, response.json()) == (403, LOOPBACK_ONLY)
        assert httpx.get(backend.url() + "/api/conversations").status_code == 200
    finally:
        backend.stop()


def test_the_factory_runs_the_startup_check(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="did not start") as excinfo:
        start_backend(tmp_path, factory_host="0.0.0.0", BACKEND_HOST="0.0.0.0").stop()
    assert "refusing to start: BACKEND_HOST=0.0.0.0 is not a loopback address" in str(excinfo.value)


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 415, NOT_JSON),  # an empty no-cors fetch()
        ({"Content-Type": "text/plain"}, 415, NOT_JSON),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, NOT_JSON),
        ({**JSON, "Origin": "https://evil.example"}, 403, CROSS_ORIGIN),
        ({**JSON, "Origin": "null"}, 403, CROSS_ORIGIN),
        ({**JSON, "Sec-Fetch-Site": "cross-site"}, 403, CROSS_ORIGIN),
        ({**JSON, "Sec-Fetch-Site": "same-site"}, 403, CROSS_ORIGIN),
    ],
)
def test_drive_by_token_requests_are_refused(
    no_login: LiveBackend, headers: dict[str, str], status: int, detail: dict[str, str]
) -> None:
    before = conversations(no_login)
    response = httpx.post(no_login.url() + "/api/token", headers=headers)
    assert (response.status_code, response.json()) == (status, detail)
    assert conversations(no_login) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "{url}", "Sec-Fetch-Site": "same-origin"},  # what a browser sends
        {"Origin": "{url}"},
        {"Sec-Fetch-Site": "none"},
        {},  # not a browser (curl, the agent)
    ],
)
def test_same_origin_requests_pass(no_login: LiveBackend, headers: dict[str, str]) -> None:
    headers = {k: v.format(url=no_login.url()) for k, v in headers.items()}
    response = httpx.post(no_login.url() + "/api/token", headers={**JSON, **headers}, json={})
    assert response.status_code == 200, response.text


def test_a_cross_origin_delete_is_refused(no_login: LiveBackend) -> None:
    created = httpx.post(no_login.url() + "/api/conversations", json={}).json()
    url = f"{no_login.url()}/api/conversations/{created['conversation']['id']}"
    response = httpx.delete(url, headers={"Origin": "https://evil.example"})
    assert (response.status_code, response.json()) == (403, CROSS_ORIGIN)
    assert httpx.delete(url).status_code == 204


def test_forwarded_for_is_not_believed_by_default(no_login: LiveBackend) -> None:
    """uvicorn's default believes X-Forwarded-For from 127.0.0.1: a client could then pick a
    new address per sign-in attempt and never meet the per-address limit (10 a minute).
    The windows are whole minutes, so 21 attempts see a 429 even if one window ends."""
    statuses = [
        httpx.post(
            no_login.url() + "/api/auth/login",
            json={"username": f"nobody{i}", "password": "wrong password"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(21)
    ]
    assert set(statuses) == {401, 429}, statuses
