"""One user cannot take every agent: at most BACKEND_MAX_CALLS_PER_USER calls at once.

A call counts from its token (a new room) until its room finishes (its user hung up, or
left and did not come back in time) or its conversation is deleted; a token for a new room
that nobody joined stops counting once it has expired. Rejoining one's own room is never
refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webhook_signing import sign, webhook_event

from app.core.security import user_id_for_key
from app.core.session_registry import InProcessSessionRegistry

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
ALICE = user_id_for_key("alice-api-key-0123456789")
TOO_MANY = {"detail": "too many calls at once: end one first"}


def _new_call(client: TestClient, headers: Headers) -> Any:
    return client.post("/api/conversations", json={}, headers=headers)


def _conversations(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/conversations", headers=headers).json()["items"]
    return items


def test_a_third_call_at_once_is_429_and_stores_nothing(
    make_client: ClientFactory, alice: Headers, bob: Headers
) -> None:
    client = make_client(max_calls_per_user=2)
    first = _new_call(client, alice).json()["conversation"]
    assert client.post("/api/token", json={}, headers=alice).status_code == 200

    for refused in (_new_call(client, alice), client.post("/api/token", json={}, headers=alice)):
        assert refused.status_code == 429
        assert refused.json() == TOO_MANY
        assert int(refused.headers["Retry-After"]) >= 1
    assert len(_conversations(client, alice)) == 2  # the refused ones left no row

    rejoin = client.post("/api/token", json={"room_name": first["room_name"]}, headers=alice)
    assert rejoin.status_code == 200  # one's own call again is not a new one
    assert _new_call(client, bob).status_code == 201  # per user


def test_a_call_that_ends_frees_its_place(
    make_client: ClientFactory, alice: Headers, agent: Headers
) -> None:
    client = make_client(max_calls_per_user=1)
    room = _new_call(client, alice).json()["conversation"]["room_name"]
    # the user's token creates the room: now a joined call
    body = webhook_event("room_started", room, event_id="EV_start")
    started = client.post(
        "/livekit/webhook",
        content=body,
        headers={"Authorization": sign(body), "Content-Type": "application/webhook+json"},
    )
    assert started.status_code == 200
    assert _new_call(client, alice).status_code == 429

    body = webhook_event("room_finished", room, event_id="EV_finish")
    client.post(
        "/livekit/webhook",
        content=body,
        headers={"Authorization": sign(body), "Content-Type": "application/webhook+json"},
    )
    second = _new_call(client, alice)
    assert second.status_code == 201

    assert _new_call(client, alice).status_code == 429
    conversation_id = second.json()["conversation"]["id"]
    assert client.delete(f"/api/conversations/{conversation_id}", headers=alice).status_code == 204
    assert _new_call(client, alice).status_code == 201  # deleting a call frees its place


def test_an_expired_unused_token_no_longer_counts(
    make_client: ClientFactory, alice: Headers
) -> None:
    registry = InProcessSessionRegistry(max_age_s=4 * 3600)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=700)  # past the 600 s token TTL
    registry.start("va-unused0000", user=ALICE, started_at=long_ago)
    registry.start("va-joined0000", user=ALICE, started_at=long_ago, joined=True)
    client = make_client(max_calls_per_user=2, token_ttl_seconds=600, session_registry=registry)

    assert _new_call(client, alice).status_code == 201  # the joined call and this one
    assert _new_call(client, alice).json() == TOO_MANY
