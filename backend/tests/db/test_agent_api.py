from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from job_credentials import job_headers

from app.core.security import user_id_for_key

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
ALICE = user_id_for_key("alice-api-key-0123456789")
INVALID_AGENT = {"detail": "missing or invalid agent service token"}
JOB_ONLY = {"detail": "the worker's service token opens no conversation: use the job's credential"}


@pytest.fixture
def room(api: TestClient, alice: Headers) -> str:
    response = api.post("/api/conversations", json={"persona": "tutor"}, headers=alice)
    name: str = response.json()["conversation"]["room_name"]
    return name


@pytest.fixture
def job(api: TestClient, room: str) -> Headers:
    """The credential of the job dispatched into ``room``."""
    return job_headers(api, room)


def _message_url(room: str, message_id: str) -> str:
    return f"/api/agent/conversations/{room}/messages/{message_id}"


def test_same_message_twice_is_one_row(api: TestClient, job: Headers, room: str) -> None:
    body = {
        "role": "assistant",
        "text": "Hello there.",
        "created_at": "2026-01-02T03:04:05.123456+00:00",
        "latency": {"ttft_ms": 210.5, "e2e_ms": 640},
        "interrupted": False,
    }
    first = api.put(_message_url(room, "turn-1.a"), json=body, headers=job)
    second = api.put(_message_url(room, "turn-1.a"), json=body, headers=job)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json() == {
        "id": "turn-1.a",
        "role": "assistant",
        "text": "Hello there.",
        "created_at": "2026-01-02T03:04:05.123456Z",
        "latency": {"ttft_ms": 210.5, "e2e_ms": 640.0},
        "interrupted": False,
    }
    history = api.get(f"/api/agent/conversations/{room}/messages", headers=job).json()
    assert history == [first.json()]


def test_a_later_put_replaces_the_fields(api: TestClient, job: Headers, room: str) -> None:
    first = api.put(
        _message_url(room, "a1"), json={"role": "assistant", "text": "Long answer"}, headers=job
    ).json()
    second = api.put(
        _message_url(room, "a1"),
        json={"role": "assistant", "text": "Long", "interrupted": True},
        headers=job,
    ).json()
    assert (second["text"], second["interrupted"]) == ("Long", True)
    assert second["created_at"] == first["created_at"]  # not given: the first time stays
    history = api.get(f"/api/agent/conversations/{room}/messages", headers=job).json()
    assert history == [second]


def test_history_is_in_time_order(api: TestClient, job: Headers, room: str) -> None:
    for message_id, when in [("b", "2026-01-01T00:00:02Z"), ("a", "2026-01-01T00:00:01Z")]:
        body = {"role": "user", "text": message_id, "created_at": when}
        assert api.put(_message_url(room, message_id), json=body, headers=job).status_code == 200
    history = api.get(f"/api/agent/conversations/{room}/messages", headers=job).json()
    assert [m["id"] for m in history] == ["a", "b"]


def test_room_lookup_tells_the_agent_whose_room_it_is(
    api: TestClient, job: Headers, room: str
) -> None:
    body = api.get(f"/api/agent/conversations/{room}", headers=job).json()
    assert body["user_id"] == ALICE and body["room_name"] == room
    assert body["metadata"]["persona"] == "tutor"


def test_unknown_room_is_404(api: TestClient) -> None:
    job = job_headers(api, "nope")  # a credential naming a room with no conversation
    for response in (
        api.get("/api/agent/conversations/nope", headers=job),
        api.get("/api/agent/conversations/nope/messages", headers=job),
        api.put(_message_url("nope", "m"), json={"role": "user", "text": "x"}, headers=job),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "conversation not found"}


@pytest.mark.parametrize(
    "body",
    [
        {"role": "system", "text": "x"},
        {"role": "user"},
        {"role": "user", "text": "x", "created_at": "2026-01-01T00:00:00"},  # naive
        {"role": "user", "text": "x", "latency": {"ttft_ms": -1}},
        {"role": "user", "text": "x", "latency": {"Bad Key": 1}},
        {"role": "user", "text": "x", "conversation_id": "other"},
    ],
)
def test_invalid_message_is_422(
    api: TestClient, job: Headers, room: str, body: dict[str, Any]
) -> None:
    assert api.put(_message_url(room, "m"), json=body, headers=job).status_code == 422


def test_invalid_message_id_is_422(api: TestClient, job: Headers, room: str) -> None:
    body = {"role": "user", "text": "x"}
    assert api.put(_message_url(room, "a%20b"), json=body, headers=job).status_code == 422
    assert api.put(_message_url(room, "m" * 129), json=body, headers=job).status_code == 422


def test_message_length_limit(make_client: ClientFactory, alice: Headers) -> None:
    client = make_client(max_message_chars=10)
    room = client.post("/api/conversations", json={}, headers=alice).json()["conversation"]
    url = _message_url(room["room_name"], "m")
    job = job_headers(client, room["room_name"])
    ok = client.put(url, json={"role": "user", "text": "x" * 10}, headers=job)
    too_long = client.put(url, json={"role": "user", "text": "x" * 11}, headers=job)
    note = client.put(f"/api/agent/users/{ALICE}/notes/n", json={"text": "x" * 11}, headers=job)

    assert ok.status_code == 200
    for response in (too_long, note):
        assert response.status_code == 413
        assert response.json() == {"detail": "message text too long"}


def test_notes_are_idempotent_and_per_user(api: TestClient) -> None:
    url = f"/api/agent/users/{ALICE}/notes/likes-tea"
    agent = job_headers(api, user=ALICE)
    first = api.put(url, json={"text": "Likes green tea"}, headers=agent)
    second = api.put(url, json={"text": "Likes green tea"}, headers=agent)
    other = job_headers(api, user="someone-else")
    api.put("/api/agent/users/someone-else/notes/n1", json={"text": "other"}, headers=other)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    notes = api.get(f"/api/agent/users/{ALICE}/notes", headers=agent).json()
    assert [(n["id"], n["text"]) for n in notes] == [("likes-tea", "Likes green tea")]
    assert api.put(url, json={"text": ""}, headers=agent).status_code == 422


def test_history_reload_reads_the_newest_messages(api: TestClient, job: Headers, room: str) -> None:
    for i in range(5):
        body = {"role": "user", "text": f"line {i}", "created_at": f"2026-01-01T00:00:0{i}Z"}
        assert api.put(_message_url(room, f"m{i}"), json=body, headers=job).status_code == 200
    url = f"/api/agent/conversations/{room}/messages"
    newest = api.get(url, params={"limit": 3}, headers=job).json()
    assert [m["id"] for m in newest] == ["m2", "m3", "m4"]  # the newest three, oldest first
    assert api.get(url, params={"limit": 2001}, headers=job).status_code == 422


def test_notes_recall_the_newest(api: TestClient) -> None:
    agent = job_headers(api, user=ALICE)
    for i in range(5):
        url = f"/api/agent/users/{ALICE}/notes/n{i}"
        assert api.put(url, json={"text": f"note {i}"}, headers=agent).status_code == 200
    notes = api.get(f"/api/agent/users/{ALICE}/notes?limit=3", headers=agent).json()
    assert [n["id"] for n in notes] == ["n2", "n3", "n4"]  # the newest three, oldest first


AGENT_ROUTES = [
    ("GET", "/api/agent/conversations/room"),
    ("GET", "/api/agent/conversations/room/messages"),
    ("PUT", "/api/agent/conversations/room/messages/m1"),
    ("POST", "/api/agent/conversations/room/messages:batch"),
    ("PUT", "/api/agent/conversations/room/events/e1"),
    ("GET", "/api/agent/users/u/notes"),
    ("PUT", "/api/agent/users/u/notes/n1"),
]


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
@pytest.mark.parametrize("who", ["nobody", "alice", "wrong", "basic"])
def test_only_agent_credentials_open_agent_routes(
    api: TestClient, alice: Headers, method: str, path: str, who: str
) -> None:
    job = job_headers(api, "room", user="u")
    headers = {
        "nobody": {},
        "alice": alice,  # a user's API key is not the agent's credential
        "wrong": {"Authorization": "Bearer " + "y" * 44},
        "basic": {"Authorization": job["Authorization"].replace("Bearer", "Basic")},
    }[who]
    response = api.request(method, path, json={"role": "user", "text": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_AGENT
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_agent_routes_are_closed_without_a_configured_token(
    make_client: ClientFactory, agent: Headers, method: str, path: str
) -> None:
    client = make_client(agent_service_token=None)
    response = client.request(method, path, json={"role": "user", "text": "x"}, headers=agent)
    assert response.status_code == 503
    assert response.json() == {"detail": "agent service token not configured"}


@pytest.mark.parametrize("api_keys", [("alice-api-key-0123456789",), ()])
def test_the_service_token_opens_no_user_route(
    make_client: ClientFactory, agent: Headers, api_keys: tuple[str, ...]
) -> None:
    # Refused with keys configured, and in the loopback no-login mode too.
    client = make_client(api_keys=api_keys)
    for method, path in [("POST", "/api/token"), ("GET", "/api/conversations")]:
        body = {} if method == "POST" else None
        response = client.request(method, path, headers=agent, json=body)
        assert response.status_code == 401, (method, path)
        assert response.json() == {"detail": "not signed in or invalid API key"}


def test_concurrent_retries_still_make_one_row(api: TestClient, job: Headers, room: str) -> None:
    body = {"role": "user", "text": "same"}

    def put(i: int) -> int:
        message_id = "same" if i % 2 else f"m{i}"
        return api.put(_message_url(room, message_id), json=body, headers=job).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(put, range(32)))
    assert statuses == [200] * 32
    history = api.get(f"/api/agent/conversations/{room}/messages", headers=job).json()
    assert sorted(m["id"] for m in history) == sorted({"same"} | {f"m{i}" for i in range(0, 32, 2)})


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_the_service_token_opens_no_conversation_route(
    api: TestClient, agent: Headers, room: str, method: str, path: str
) -> None:
    """The worker's token (which its job processes inherit) reaches no conversation or
    notes: only a job's credential does, each for its own."""
    path = path.replace("/room", f"/{room}").replace("/users/u/", f"/users/{ALICE}/")
    response = api.request(method, path, json={"role": "user", "text": "x"}, headers=agent)
    assert response.status_code == 403
    assert response.json() == JOB_ONLY
