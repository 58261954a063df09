from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from google.protobuf.json_format import MessageToJson
from livekit import api as lk
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from webhook_signing import EVENT_TIME, KEY, SECRET, sign, webhook_event

from app.core.services import services_of
from app.models import Conversation, ProcessedEvent

pytestmark = pytest.mark.db

Headers = dict[str, str]
ENDED_AT = EVENT_TIME
URL = "/livekit/webhook"


def _post(client: TestClient, body: str, authorization: str | None) -> tuple[int, object]:
    headers = {"Content-Type": "application/webhook+json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = client.post(URL, content=body.encode(), headers=headers)
    return response.status_code, response.json()


@pytest.fixture
def conversation(api: TestClient, alice: Headers) -> dict[str, str]:
    created = api.post("/api/conversations", json={}, headers=alice).json()
    return {
        "id": created["conversation"]["id"],
        "room": created["connection"]["room_name"],
        "identity": created["connection"]["participant_identity"],
    }


@pytest.fixture
def session(api: TestClient) -> Callable[[], Session]:
    factory: Callable[[], Session] = services_of(api.app).sessionmaker
    return factory


def _status(api: TestClient, alice: Headers, conversation_id: str) -> tuple[str, str | None]:
    body = api.get(f"/api/conversations/{conversation_id}", headers=alice).json()
    return body["status"], body["ended_at"]


def test_room_finished_ends_the_conversation(
    api: TestClient, alice: Headers, conversation: dict[str, str]
) -> None:
    body = webhook_event("room_finished", conversation["room"])
    assert _post(api, body, sign(body)) == (200, {"status": "processed"})
    assert _status(api, alice, conversation["id"]) == ("ended", "2026-01-01T00:00:00Z")


def test_replayed_event_is_ignored(
    api: TestClient,
    alice: Headers,
    conversation: dict[str, str],
    session: Callable[[], Session],
) -> None:
    body = webhook_event("room_finished", conversation["room"], event_id="EV_replay")
    signature = sign(body)
    assert _post(api, body, signature) == (200, {"status": "processed"})
    # Put the conversation back as if the room had been resumed: a replay must not end it again.
    with session() as db:
        db.execute(update(Conversation).values(status="active", ended_at=None))
        db.commit()

    assert _post(api, body, signature) == (200, {"status": "duplicate"})
    assert _status(api, alice, conversation["id"]) == ("active", None)
    with session() as db:
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def _forgeries(body: str) -> dict[str, str | None]:
    other = body.replace("room_finished", "participant_joined")
    expired = dt.timedelta(minutes=-5)
    user_token = (
        lk.AccessToken(KEY, SECRET)
        .with_identity("x")
        .with_grants(lk.VideoGrants(room_join=True, room="r"))
    )
    return {
        "missing": None,
        "empty": "",
        "garbage": "not-a-jwt",
        "wrong secret": sign(body, secret="another-secret-0123456789abcdef-0"),
        "wrong key": sign(body, key="another-key"),
        "other body": sign(other),
        "bearer prefix on a foreign token": "Bearer " + sign(other),
        "expired": sign(body, ttl=expired),
        "no sha256 (a participant token)": user_token.to_jwt(),
    }


@pytest.mark.parametrize("case", list(_forgeries("x")))
def test_forged_webhook_is_401_and_changes_nothing(
    api: TestClient,
    alice: Headers,
    conversation: dict[str, str],
    session: Callable[[], Session],
    case: str,
) -> None:
    body = webhook_event("room_finished", conversation["room"])
    status, detail = _post(api, body, _forgeries(body)[case])
    assert (status, detail) == (401, {"detail": "invalid webhook signature"})
    assert _status(api, alice, conversation["id"]) == ("active", None)
    with session() as db:
        assert db.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_nobody_leaving_ends_the_conversation(
    api: TestClient, alice: Headers, conversation: dict[str, str]
) -> None:
    agent_left = webhook_event(
        "participant_left",
        conversation["room"],
        event_id="EV_agent",
        identity="agent-AJ_1",
        kind=lk.ParticipantInfo.Kind.AGENT,
    )
    stranger_left = webhook_event(
        "participant_left", conversation["room"], event_id="EV_other", identity="bob-123abc"
    )
    for body in (agent_left, stranger_left):
        assert _post(api, body, sign(body)) == (200, {"status": "processed"})
    assert _status(api, alice, conversation["id"]) == ("active", None)

    # not even its user: a page reload looks the same; they may rejoin (test_rejoin_and_hang_up)
    user_left = webhook_event(
        "participant_left",
        conversation["room"],
        event_id="EV_user",
        identity=conversation["identity"],
    )
    assert _post(api, user_left, sign(user_left)) == (200, {"status": "processed"})
    assert _status(api, alice, conversation["id"]) == ("active", None)


def test_other_events_and_unknown_rooms_are_recorded_only(
    api: TestClient, alice: Headers, conversation: dict[str, str]
) -> None:
    joined = webhook_event(
        "participant_joined", conversation["room"], event_id="EV_j", identity="x"
    )
    unknown = webhook_event("room_finished", "no-such-room", event_id="EV_u")
    for body in (joined, unknown):
        assert _post(api, body, sign(body)) == (200, {"status": "processed"})
    assert _status(api, alice, conversation["id"]) == ("active", None)


def test_a_user_joining_wakes_the_reconcile_and_an_agent_does_not(
    api: TestClient, conversation: dict[str, str]
) -> None:
    """A user back in a room whose agent died meanwhile gets one at once (app.core.redispatch
    looks when woken); an agent joining is no reason to look."""
    wakeup = services_of(api.app).reconcile_wakeup

    def woken_by(event_id: str, kind: lk.ParticipantInfo.Kind.ValueType) -> bool:
        body = webhook_event(
            "participant_joined", conversation["room"], event_id=event_id, identity="x", kind=kind
        )

        async def wait() -> bool:
            woken = asyncio.create_task(wakeup.wait(2))
            await asyncio.sleep(0)  # the wait has begun
            await asyncio.to_thread(_post, api, body, sign(body))
            return await woken

        return asyncio.run(wait())

    assert not woken_by("EV_agent", lk.ParticipantInfo.Kind.AGENT)
    assert woken_by("EV_user", lk.ParticipantInfo.Kind.STANDARD)


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"event": "room_finished"}',  # no id: cannot be de-duplicated
        '{"event": "room_finished", "id": 5, "room": "x"}',
    ],
)
def test_signed_but_malformed_event_is_400(api: TestClient, body: str) -> None:
    assert _post(api, body, sign(body)) == (400, {"detail": "invalid webhook event"})


def test_a_webhook_with_the_largest_metadata_a_token_allows_is_processed(
    api: TestClient, alice: Headers, conversation: dict[str, str]
) -> None:
    """Each webhook about a participant carries the room's metadata (a persona's instructions
    and greeting) and the participant's (what /api/token allows, JSON-escaped six-fold)."""
    control = "\x01"  # written as \u0001 in JSON
    event = lk.WebhookEvent(event="participant_left", id="EV_big", created_at=EVENT_TIME)
    event.room.CopyFrom(
        lk.Room(
            name=conversation["room"],
            sid="RM_1",
            metadata=json.dumps({"instructions": "i" * 4000, "greeting": "g" * 500}),
        )
    )
    event.participant.CopyFrom(
        lk.ParticipantInfo(
            identity=conversation["identity"],
            metadata=control * 1024,
            attributes={f"{i}".ljust(64, control): control * 256 for i in range(8)},
        )
    )
    body = MessageToJson(event)
    assert len(body) > 16384  # over the default limit of every other route
    assert _post(api, body, sign(body)) == (200, {"status": "processed"})
    assert _post(api, body, sign(body)) == (200, {"status": "duplicate"})  # it was recorded
