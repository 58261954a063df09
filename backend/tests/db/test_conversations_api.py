from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from job_credentials import job_headers
from livekit import api

from app.core.catalog import DEFAULT_CATALOG
from app.core.security import user_id_for_key

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
NOT_FOUND = {"detail": "conversation not found"}
SECRET = "test-livekit-secret-0123456789abcdef"


def _claims(token: str) -> api.access_token.Claims:
    return api.TokenVerifier("test-livekit-key", SECRET).verify(token)


def _create(client: TestClient, headers: Headers, **body: Any) -> dict[str, Any]:
    response = client.post("/api/conversations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _say(client: TestClient, room: str, message_id: str, text: str) -> None:
    response = client.put(
        f"/api/agent/conversations/{room}/messages/{message_id}",
        json={"role": "user" if message_id.endswith("u") else "assistant", "text": text},
        headers=job_headers(client, room),
    )
    assert response.status_code == 200, response.text


def test_create_records_the_room_and_dispatches_the_agent(api: TestClient, alice: Headers) -> None:
    response = api.post(
        "/api/conversations",
        json={"persona": "tutor", "voice": "slow", "language": "en"},
        headers=alice,
    )

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    conversation, connection = body["conversation"], body["connection"]
    assert conversation["status"] == "active" and conversation["ended_at"] is None
    assert conversation["metadata"] == {"persona": "tutor", "voice": "slow", "language": "en"}
    assert connection["room_name"] == conversation["room_name"]

    user = user_id_for_key("alice-api-key-0123456789")
    claims = _claims(connection["participant_token"])
    assert claims.identity == connection["participant_identity"]
    assert claims.identity.startswith(user + "-")
    assert claims.video is not None and claims.video.room == conversation["room_name"]
    assert not any((claims.video.room_admin, claims.video.room_create, claims.video.room_list))
    assert claims.room_config is not None
    tutor = DEFAULT_CATALOG.persona("tutor")
    assert tutor is not None
    assert json.loads(claims.room_config.metadata) == {
        **conversation["metadata"],
        "instructions": tutor.instructions,
        "greeting": tutor.greeting,
        "record": False,  # tests/db/test_call_recordings.py
    }
    [dispatch] = claims.room_config.agents
    assert dispatch.agent_name == "voice-assistant"
    dispatched = json.loads(dispatch.metadata)
    assert isinstance(dispatched.pop("credential"), str)  # tests/db/test_job_credential.py
    assert dispatched == {
        "conversation_id": conversation["id"],
        "user_id": user,
        **conversation["metadata"],
    }
    raw = jwt.decode(connection["participant_token"], SECRET, algorithms=["HS256"])
    assert raw["exp"] - time.time() <= 600


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"persona": "pirate"}, "unknown persona"),
        ({"voice": "amy"}, "unknown voice"),
        ({"language": "de-DE"}, "unknown language"),
        ({"language": "ja"}, "unknown language"),  # the offline models cannot serve it
    ],
)
def test_choices_outside_the_catalog_are_422(
    api: TestClient, alice: Headers, body: dict[str, str], detail: str
) -> None:
    response = api.post("/api/conversations", json=body, headers=alice)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}
    assert api.get("/api/conversations", headers=alice).json()["items"] == []


def test_a_picked_language_reaches_the_room_and_the_agent(api: TestClient, alice: Headers) -> None:
    body = _create(api, alice, language="de")
    assert body["conversation"]["metadata"]["language"] == "de"
    claims = _claims(body["connection"]["participant_token"])
    assert claims.room_config is not None
    assert json.loads(claims.room_config.metadata)["language"] == "de"
    [dispatch] = claims.room_config.agents
    assert json.loads(dispatch.metadata)["language"] == "de"


def test_defaults_for_an_empty_body(api: TestClient, alice: Headers) -> None:
    body = _create(api, alice)
    assert body["conversation"]["metadata"] == {
        "persona": "assistant",
        "voice": "default",
        "language": "en",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"persona": "has space"},
        {"persona": "p" * 65},
        {"voice": ""},
        {"language": "english!"},
        {"language": 7},
        {"id": "not-a-uuid"},
        {"user_id": "someone-else"},
    ],
)
def test_invalid_create_body_is_422(api: TestClient, alice: Headers, body: Any) -> None:
    assert api.post("/api/conversations", json=body, headers=alice).status_code == 422


def test_create_with_the_same_id_is_idempotent(api: TestClient, alice: Headers) -> None:
    conversation_id = str(uuid.uuid4())
    first = api.post("/api/conversations", json={"id": conversation_id}, headers=alice)
    second = api.post(
        "/api/conversations", json={"id": conversation_id, "persona": "concise"}, headers=alice
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["conversation"] == second.json()["conversation"]
    assert first.json()["conversation"]["id"] == conversation_id
    items = api.get("/api/conversations", headers=alice).json()["items"]
    assert [item["id"] for item in items] == [conversation_id]


def test_another_users_id_is_refused(api: TestClient, alice: Headers, bob: Headers) -> None:
    conversation_id = str(uuid.uuid4())
    _create(api, alice, id=conversation_id)
    response = api.post("/api/conversations", json={"id": conversation_id}, headers=bob)
    assert response.status_code == 409
    assert response.json() == {"detail": "conversation id already in use"}


def test_list_is_paginated_newest_first(api: TestClient, alice: Headers) -> None:
    created = [_create(api, alice)["conversation"]["id"] for _ in range(5)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/conversations", params=params, headers=alice).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(created))


@pytest.mark.parametrize("params", [{"cursor": "garbage"}, {"cursor": "W10"}, {"limit": 0}])
def test_bad_page_parameters_are_422(
    api: TestClient, alice: Headers, params: dict[str, Any]
) -> None:
    response = api.get("/api/conversations", params=params, headers=alice)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", *params]


@pytest.mark.parametrize("cursor", ["0-" + "0" * 32, "9" * 17 + "-" + "f" * 32])
def test_every_cursor_the_schema_allows_is_a_page(
    api: TestClient, alice: Headers, cursor: str
) -> None:
    newest = _create(api, alice)["conversation"]["id"]
    pattern = api.get("/openapi.json").json()["paths"]["/api/conversations"]["get"]
    [schema] = [p["schema"] for p in pattern["parameters"] if p["name"] == "cursor"]
    assert re.fullmatch(schema["anyOf"][0]["pattern"], cursor)
    page = api.get("/api/conversations", params={"cursor": cursor}, headers=alice).json()
    assert [item["id"] for item in page["items"]] == ([] if cursor.startswith("0-") else [newest])


def test_read_and_export_include_messages_in_order(api: TestClient, alice: Headers) -> None:
    conversation = _create(api, alice)["conversation"]
    room, conversation_id = conversation["room_name"], conversation["id"]
    _say(api, room, "1u", "What's the weather?")
    _say(api, room, "2a", "Sunny.")

    detail = api.get(f"/api/conversations/{conversation_id}", headers=alice).json()
    assert [(m["id"], m["role"], m["text"]) for m in detail["messages"]] == [
        ("1u", "user", "What's the weather?"),
        ("2a", "assistant", "Sunny."),
    ]

    export = api.get(f"/api/conversations/{conversation_id}/export", headers=alice)
    assert export.status_code == 200
    disposition = export.headers["content-disposition"]
    assert disposition == f'attachment; filename="conversation-{conversation_id}.json"'
    document = export.json()
    assert document["format"] == "voice-assistant.conversation.v1"
    assert document["conversation"] == detail


def test_delete_removes_the_conversation_and_its_messages(api: TestClient, alice: Headers) -> None:
    conversation = _create(api, alice)["conversation"]
    _say(api, conversation["room_name"], "1u", "hello")
    job = job_headers(api, conversation["room_name"])  # its job's credential outlives it
    url = f"/api/conversations/{conversation['id']}"

    assert api.delete(url, headers=alice).status_code == 204
    assert api.get(url, headers=alice).status_code == 404
    assert api.delete(url, headers=alice).status_code == 404
    messages = f"/api/agent/conversations/{conversation['room_name']}/messages"
    assert api.get(messages, headers=job).status_code == 404


def test_nobody_reads_another_users_conversations(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    mine = _create(api, alice)["conversation"]
    url = f"/api/conversations/{mine['id']}"
    unknown = f"/api/conversations/{uuid.uuid4()}"

    for path in (url, f"{url}/export", unknown, f"{unknown}/export"):
        response = api.get(path, headers=bob)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    # Deleting someone else's conversation reads exactly like deleting nothing.
    assert api.delete(url, headers=bob).json() == api.delete(unknown, headers=bob).json()
    assert api.get("/api/conversations", headers=bob).json()["items"] == []
    assert api.get(url, headers=alice).status_code == 200


def test_token_route_records_a_conversation(api: TestClient, alice: Headers) -> None:
    token = api.post("/api/token", json={}, headers=alice).json()
    [item] = api.get("/api/conversations", headers=alice).json()["items"]
    assert item["room_name"] == token["room_name"]
    assert item["status"] == "active"
    # No conversation asked for: the catalog's defaults, and the persona's text for the agent.
    defaults = {"persona": "assistant", "voice": "default", "language": "en"}
    assert item["metadata"] == defaults
    claims = _claims(token["participant_token"])
    assert claims.room_config is not None
    room = json.loads(claims.room_config.metadata)
    text = {"instructions": room["instructions"], "greeting": room["greeting"]}
    assert room == {**defaults, **text, "record": False}
    assert room["instructions"].startswith("You are a friendly voice assistant.")


def test_token_route_rejoins_own_room_and_refuses_others(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    first = api.post("/api/token", json={"room_name": "alice-room"}, headers=alice)
    again = api.post("/api/token", json={"room_name": "alice-room"}, headers=alice)
    assert first.status_code == again.status_code == 200
    assert len(api.get("/api/conversations", headers=alice).json()["items"]) == 1

    stolen = api.post("/api/token", json={"room_name": "alice-room"}, headers=bob)
    assert stolen.status_code == 409
    assert stolen.json() == {"detail": "room name already in use"}


def test_a_deleted_conversations_room_cannot_be_claimed(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    """Deleting a conversation mid-call frees its row, not the live room: its name (the
    server's, va-...) must not become anyone's new room, which would let them join the call."""
    created = _create(api, alice)
    room = created["connection"]["room_name"]
    url = f"/api/conversations/{created['conversation']['id']}"
    assert api.delete(url, headers=alice).status_code == 204
    reserved = {"detail": "room names starting with va- are the server's"}
    for who in (bob, alice):
        response = api.post("/api/token", json={"room_name": room}, headers=who)
        assert (response.status_code, response.json()) == (409, reserved)


def test_conversation_limit_per_user(
    make_client: ClientFactory, alice: Headers, bob: Headers
) -> None:
    client = make_client(max_conversations_per_user=2)
    _create(client, alice)
    assert client.post("/api/token", json={}, headers=alice).status_code == 200

    for response in (
        client.post("/api/conversations", json={}, headers=alice),
        client.post("/api/token", json={}, headers=alice),
    ):
        assert response.status_code == 409
        assert response.json() == {"detail": "conversation limit reached"}
    _create(client, bob)  # a per-user limit


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/conversations"),
        ("GET", "/api/conversations"),
        ("GET", f"/api/conversations/{uuid.UUID(int=1)}"),
        ("GET", f"/api/conversations/{uuid.UUID(int=1)}/export"),
        ("DELETE", f"/api/conversations/{uuid.UUID(int=1)}"),
    ],
)
def test_auth_on_needs_a_key(api: TestClient, method: str, path: str) -> None:
    response = api.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.json() == {"detail": "not signed in or invalid API key"}


def test_auth_off_on_loopback_is_the_local_user(make_client: ClientFactory) -> None:
    client = make_client(api_keys=())
    created = client.post("/api/conversations", json={})
    assert created.status_code == 201
    assert created.json()["connection"]["participant_identity"].startswith("local-")
    [item] = client.get("/api/conversations").json()["items"]
    assert item["id"] == created.json()["conversation"]["id"]

    foreign = client.get("/api/conversations", headers={"Host": "evil.example"})
    assert foreign.status_code == 403


def test_concurrent_creates_with_one_id_make_one_conversation(
    api: TestClient, alice: Headers
) -> None:
    conversation_id = str(uuid.uuid4())

    def create(_: int) -> int:
        body = {"id": conversation_id}
        return api.post("/api/conversations", json=body, headers=alice).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(16)))
    assert sorted(statuses) == [200] * 15 + [201]
    items = api.get("/api/conversations", headers=alice).json()["items"]
    assert [item["id"] for item in items] == [conversation_id]


def test_a_conversations_messages_come_in_pages(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    created = _create(api, alice)["conversation"]
    room, conversation_id = created["room_name"], created["id"]
    sent = [
        {
            "id": f"m{i:03d}",
            "role": "user" if i % 2 else "assistant",
            "text": f"line {i}",
            "created_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
        }
        for i in range(105)
    ]
    batch = api.post(
        f"/api/agent/conversations/{room}/messages:batch",
        json={"messages": sent},
        headers=job_headers(api, room),
    )
    assert batch.status_code == 200, batch.text

    detail = api.get(f"/api/conversations/{conversation_id}", headers=alice).json()
    assert [m["id"] for m in detail["messages"]] == [m["id"] for m in sent[:100]]
    rest = api.get(
        f"/api/conversations/{conversation_id}/messages",
        params={"cursor": detail["messages_next_cursor"]},
        headers=alice,
    ).json()
    assert [m["id"] for m in rest["items"]] == [m["id"] for m in sent[100:]]
    assert rest["next_cursor"] is None

    walked: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        page = api.get(
            f"/api/conversations/{conversation_id}/messages", params=params, headers=alice
        ).json()
        walked += [m["id"] for m in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert walked == [m["id"] for m in sent]  # every message once, in order
    export = api.get(f"/api/conversations/{conversation_id}/export", headers=alice).json()
    assert len(export["conversation"]["messages"]) == 105  # the download is whole

    path = f"/api/conversations/{conversation_id}/messages"
    assert api.get(path, params={"limit": 501}, headers=alice).status_code == 422
    assert api.get(path, params={"cursor": "nonsense"}, headers=alice).status_code == 422
    assert api.get(path, headers=bob).json() == NOT_FOUND
