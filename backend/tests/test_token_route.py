from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from livekit import api

from app.core.config import Settings
from app.main import create_app

pytestmark = pytest.mark.unit


SettingsFactory = Callable[..., Settings]


def _claims(settings: Settings, token: str) -> api.access_token.Claims:
    return api.TokenVerifier(settings.livekit_api_key, settings.livekit_api_secret).verify(token)


def _raw(settings: Settings, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, settings.livekit_api_secret, algorithms=["HS256"])
    return payload


def test_empty_body_gets_a_room_scoped_token(client: TestClient, settings: Settings) -> None:
    response = client.post("/api/token", json={})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"server_url", "participant_token", "room_name", "participant_identity"}
    assert body["server_url"] == "ws://127.0.0.1:7880"
    assert body["room_name"].startswith("va-") and len(body["room_name"]) == 13

    claims = _claims(settings, body["participant_token"])
    assert claims.identity == body["participant_identity"]
    assert claims.identity.startswith("local-")
    video = claims.video
    assert video is not None
    assert video.room_join is True and video.room == body["room_name"]
    assert video.can_publish and video.can_subscribe and video.can_publish_data
    assert not video.can_update_own_metadata  # its metadata rides on every webhook
    admin = (video.room_admin, video.room_create, video.room_list, video.room_record)
    assert not any(admin) and not video.agent and not video.hidden
    assert claims.room_config is not None
    assert [a.agent_name for a in claims.room_config.agents] == ["voice-assistant"]

    raw = _raw(settings, body["participant_token"])
    assert raw["exp"] - raw["nbf"] <= 600
    assert raw["exp"] - time.time() <= 600


def test_an_empty_json_object_works_and_no_body_is_422(client: TestClient) -> None:
    assert client.post("/api/token", json={}).status_code == 200
    # livekit-client's TokenSource always sends a body; none at all is no valid request
    headers = {"Content-Type": "application/json"}
    assert client.post("/api/token", headers=headers).status_code == 422


def test_a_post_that_is_not_json_is_refused(client: TestClient) -> None:
    # What a page on another site can send without a CORS preflight (a "simple" request).
    for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "multipart/form-data"}):
        response = client.post("/api/token", headers=headers)
        assert (response.status_code, response.json()) == (
            415,
            {"detail": "content type must be application/json"},
        )


def test_each_call_gets_a_fresh_identity_and_room(client: TestClient) -> None:
    first, second = (client.post("/api/token", json={}).json() for _ in range(2))
    assert first["participant_identity"] != second["participant_identity"]
    assert first["room_name"] != second["room_name"]


def test_identity_and_agent_come_from_the_server_not_the_body(
    client: TestClient, settings: Settings
) -> None:
    response = client.post(
        "/api/token",
        json={
            "room_name": "my_room-1",
            "participant_identity": "admin",
            "participant_name": "Alice",
            "participant_metadata": '{"locale":"en"}',
            "participant_attributes": {"plan": "pro"},
            "room_config": {"agents": [{"agent_name": "other-agent", "metadata": '{"p":1}'}]},
            "some_future_key": {"ignored": True},
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["room_name"] == "my_room-1"
    assert body["participant_identity"].startswith("local-")
    claims = _claims(settings, body["participant_token"])
    assert claims.identity == body["participant_identity"] != "admin"
    assert claims.name == "Alice"
    assert claims.metadata == '{"locale":"en"}'
    assert claims.attributes == {"plan": "pro"}
    assert claims.video is not None and claims.video.room == "my_room-1"
    assert claims.room_config is not None
    [agent] = claims.room_config.agents
    assert agent.agent_name == "voice-assistant"
    # The dispatch metadata is the server's (the agent reads it), never the client's.
    dispatched = json.loads(agent.metadata)
    assert dispatched.pop("user_id") == "local"
    assert set(dispatched) == {"conversation_id", "persona", "voice", "language"}
    # Nor may the participant change its own metadata later (it rides on every webhook).
    assert not claims.video.can_update_own_metadata  # absent: livekit-server reads false


def test_settings_choose_agent_ttl_and_url(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        agent_name="my-agent", token_ttl_seconds=60, livekit_url="wss://lk.example.com"
    )
    with TestClient(
        create_app(settings), base_url="http://localhost", client=("127.0.0.1", 50000)
    ) as client:
        body = client.post("/api/token", json={}).json()

    assert body["server_url"] == "wss://lk.example.com"
    claims = _claims(settings, body["participant_token"])
    assert claims.room_config is not None
    assert claims.room_config.agents[0].agent_name == "my-agent"
    raw = _raw(settings, body["participant_token"])
    assert raw["exp"] - raw["nbf"] <= 60


@pytest.mark.parametrize(
    "payload",
    [
        {"room_name": "has spaces"},
        {"room_name": ""},
        {"room_name": "x" * 65},
        {"room_name": 123},
        {"participant_attributes": ["not", "a", "dict"]},
        {"participant_attributes": {"k": 1}},
        {"participant_attributes": {"lk.agent.state": "speaking"}},
        {"participant_name": "n" * 129},
        {"participant_metadata": "m" * 1025},
        {"participant_attributes": {f"k{i}": "v" for i in range(9)}},
        {"participant_attributes": {"k": "v" * 257}},
        {"participant_attributes": {"k" * 65: "v"}},
        {"room_config": {"agents": [{"metadata": "m" * 4097}]}},
        {"room_config": {"agents": "voice-assistant"}},
        ["not", "an", "object"],
    ],
)
def test_malformed_body_is_422(client: TestClient, payload: Any) -> None:
    response = client.post("/api/token", json=payload)
    assert response.status_code == 422, response.text


def test_non_json_body_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
