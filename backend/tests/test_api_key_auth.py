from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

pytestmark = pytest.mark.unit

KEY = "k" * 20 + "-right"
OTHER_KEY = "o" * 20 + "-other"
DETAIL = "not signed in or invalid API key"


@pytest.fixture
def keyed_client(make_settings: Callable[..., Settings]) -> TestClient:
    # Keys set: the bind address and Host header no longer matter.
    settings = make_settings(host="0.0.0.0", api_keys=(KEY, OTHER_KEY))
    return TestClient(create_app(settings), base_url="http://voice.example.com")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key-wrong-key"},
        {"Authorization": f"Bearer {KEY}x"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": KEY},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_wrong_key_is_401(keyed_client: TestClient, headers: dict[str, str]) -> None:
    response = keyed_client.post("/api/token", json={}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": DETAIL}
    assert response.headers["www-authenticate"] == "Bearer"


def test_auth_is_checked_before_the_body(keyed_client: TestClient) -> None:
    response = keyed_client.post("/api/token", json={"room_name": "bad name"})
    assert response.status_code == 401


def test_right_key_gets_a_token_with_a_key_derived_identity(keyed_client: TestClient) -> None:
    response = keyed_client.post(
        "/api/token",
        json={"participant_identity": "local"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200
    user = "key-" + hashlib.sha256(KEY.encode()).hexdigest()[:8]
    identity = response.json()["participant_identity"]
    assert identity.startswith(user + "-") and len(identity) == len(user) + 7


def test_each_key_is_its_own_user(keyed_client: TestClient) -> None:
    identities = [
        keyed_client.post("/api/token", json={}, headers={"Authorization": f"bearer {key}"}).json()[
            "participant_identity"
        ]
        for key in (KEY, OTHER_KEY)
    ]
    assert identities[0].rsplit("-", 1)[0] != identities[1].rsplit("-", 1)[0]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000", "127.0.0.2"])
def test_local_mode_needs_no_login(client: TestClient, host: str) -> None:
    response = client.post("/api/token", json={}, headers={"Host": host})
    assert response.status_code == 200
    assert response.json()["participant_identity"].startswith("local-")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "192.168.1.5"])
def test_local_mode_refuses_foreign_host_headers(client: TestClient, host: str) -> None:
    # A page that DNS-rebinds its name to 127.0.0.1 still sends its own Host header.
    response = client.post("/api/token", json={}, headers={"Host": host})
    assert response.status_code == 403
    assert response.json() == {"detail": "host not allowed"}


def test_open_bind_without_keys_fails_closed(make_settings: Callable[..., Settings]) -> None:
    # The entrypoint refuses this; an app built anyway must not hand out tokens.
    app = create_app(make_settings(host="0.0.0.0"))
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        response = client.post("/api/token", json={})
    assert response.status_code == 401
