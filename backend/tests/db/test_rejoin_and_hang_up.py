"""A user who leaves without hanging up (a page reload, a network drop) may rejoin their
call; a hang-up (POST /api/conversations/{id}/end) ends it at once. On SQLite and
PostgreSQL, with a recording stand-in for LiveKit's RoomService (the real server is in
web/e2e/rejoin.spec.ts)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from livekit import api as lk
from webhook_signing import KEY, SECRET, sign, webhook_event

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
ENDED = {"detail": "conversation has ended"}
GRACE_S = 45


class _RoomService(http.server.BaseHTTPRequestHandler):
    deleted: list[tuple[str, str]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.deleted.append((self.path, body["room"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def deleted_rooms() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(LIVEKIT_URL, the DeleteRoom requests it received: (path, room))."""
    deleted: list[tuple[str, str]] = []
    handler = type("Recorder", (_RoomService,), {"deleted": deleted})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{server.server_address[1]}", deleted
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(
    make_client: ClientFactory, deleted_rooms: tuple[str, list[tuple[str, str]]]
) -> TestClient:
    return make_client(
        max_calls_per_user=1,
        rejoin_grace_seconds=GRACE_S,
        livekit_url=deleted_rooms[0],
        livekit_api_key=KEY,
        livekit_api_secret=SECRET,
    )


def _webhook(client: TestClient, event: str, room: str, event_id: str, **who: Any) -> None:
    body = webhook_event(event, room, event_id=event_id, **who)
    response = client.post(
        "/livekit/webhook",
        content=body,
        headers={"Authorization": sign(body), "Content-Type": "application/webhook+json"},
    )
    assert response.status_code == 200


def _call(client: TestClient, headers: Headers) -> dict[str, str]:
    """A new call whose user joined it (its room started)."""
    created = client.post("/api/conversations", json={}, headers=headers)
    assert created.status_code == 201
    body = created.json()
    room = body["connection"]["room_name"]
    identity = body["connection"]["participant_identity"]
    _webhook(client, "room_started", room, f"EV_start_{room}")
    _webhook(client, "participant_joined", room, f"EV_join_{room}", identity=identity)
    return {"id": body["conversation"]["id"], "room": room, "identity": identity}


def _status(client: TestClient, headers: Headers, conversation_id: str) -> tuple[str, Any]:
    body = client.get(f"/api/conversations/{conversation_id}", headers=headers).json()
    return body["status"], body["ended_at"]


def _active(client: TestClient, headers: Headers) -> list[str]:
    items = client.get("/api/sessions/active", headers=headers).json()["items"]
    return [item["room_name"] for item in items]


def _rejoin(client: TestClient, headers: Headers, room: str) -> Any:
    return client.post("/api/token", json={"room_name": room}, headers=headers)


def test_a_user_who_left_rejoins_the_same_call(client: TestClient, alice: Headers) -> None:
    call = _call(client, alice)
    _webhook(client, "participant_left", call["room"], "EV_left", identity=call["identity"])
    assert _status(client, alice, call["id"]) == ("active", None)
    assert _active(client, alice) == [call["room"]]  # the agent waits: still a call

    rejoin = _rejoin(client, alice, call["room"])
    assert rejoin.status_code == 200  # not refused by the limit of 1 call at once
    assert rejoin.json()["room_name"] == call["room"]
    assert rejoin.json()["participant_identity"] != call["identity"]
    claims = lk.TokenVerifier(KEY, SECRET).verify(rejoin.json()["participant_token"])
    assert claims.room_config is not None
    assert claims.room_config.departure_timeout == GRACE_S  # LiveKit waits this long
    assert client.post("/api/conversations", json={}, headers=alice).status_code == 429


def test_a_user_who_does_not_come_back_in_time_cannot_rejoin(
    client: TestClient, alice: Headers
) -> None:
    call = _call(client, alice)
    _webhook(client, "participant_left", call["room"], "EV_left", identity=call["identity"])
    _webhook(client, "room_finished", call["room"], "EV_finished")  # after the grace

    assert _status(client, alice, call["id"]) == ("ended", "2026-01-01T00:00:00Z")
    assert _active(client, alice) == []
    rejoin = _rejoin(client, alice, call["room"])
    assert (rejoin.status_code, rejoin.json()) == (409, ENDED)
    assert client.post("/api/conversations", json={}, headers=alice).status_code == 201


def test_hanging_up_ends_the_call_at_once(
    client: TestClient,
    alice: Headers,
    bob: Headers,
    deleted_rooms: tuple[str, list[tuple[str, str]]],
) -> None:
    call = _call(client, alice)
    end = f"/api/conversations/{call['id']}/end"
    assert client.post(end, headers=bob).status_code == 404  # someone else's
    assert _status(client, alice, call["id"]) == ("active", None)

    assert client.post(end, headers=alice).status_code == 204
    status, ended_at = _status(client, alice, call["id"])
    assert status == "ended" and ended_at is not None
    assert deleted_rooms[1] == [("/twirp/livekit.RoomService/DeleteRoom", call["room"])]
    assert _active(client, alice) == []
    assert (_rejoin(client, alice, call["room"]).status_code, deleted_rooms[1][1:]) == (409, [])

    # the deleted room's own events come later and change nothing
    _webhook(client, "participant_left", call["room"], "EV_left", identity=call["identity"])
    _webhook(client, "room_finished", call["room"], "EV_finished")
    assert _status(client, alice, call["id"]) == ("ended", ended_at)
    assert client.post(end, headers=alice).status_code == 204  # again: nothing more
    assert len(deleted_rooms[1]) == 1
    assert client.post("/api/conversations", json={}, headers=alice).status_code == 201
    missing = "/api/conversations/00000000-0000-4000-8000-000000000000/end"
    assert client.post(missing, headers=alice).status_code == 404
