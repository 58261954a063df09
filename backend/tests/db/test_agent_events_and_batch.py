"""The agent's timeline events and batch message ingest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from job_credentials import job_headers

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]


@pytest.fixture
def created(api: TestClient, alice: Headers) -> dict[str, Any]:
    conversation: dict[str, Any] = api.post("/api/conversations", json={}, headers=alice).json()[
        "conversation"
    ]
    return conversation


@pytest.fixture
def agent(api: TestClient, created: dict[str, Any]) -> Headers:
    """The credential of the job dispatched into the conversation ``created``."""
    return job_headers(api, created["room_name"])


def _event_url(room: str, event_id: str) -> str:
    return f"/api/agent/conversations/{room}/events/{event_id}"


def _batch_url(room: str) -> str:
    return f"/api/agent/conversations/{room}/messages:batch"


def test_events_are_idempotent_and_shown_in_the_conversation(
    api: TestClient, alice: Headers, agent: Headers, created: dict[str, Any]
) -> None:
    room = created["room_name"]
    fallback = {
        "kind": "fallback",
        "source": "llm",
        "detail": "local LLM timed out; answered by the next provider",
        "created_at": "2026-01-02T03:04:06+00:00",
        "turn_id": "turn-2",
    }
    error = {"kind": "error", "source": "tts", "detail": "TTS connection reset"}
    first = api.put(_event_url(room, "ev-2"), json=fallback, headers=agent)
    again = api.put(_event_url(room, "ev-2"), json=fallback, headers=agent)
    assert first.status_code == again.status_code == 200
    assert (
        first.json()
        == again.json()
        == {
            "id": "ev-2",
            "kind": "fallback",
            "source": "llm",
            "detail": fallback["detail"],
            "turn_id": "turn-2",
            "created_at": "2026-01-02T03:04:06Z",
        }
    )
    early = {**error, "created_at": "2026-01-02T03:04:05+00:00"}
    assert api.put(_event_url(room, "ev-1"), json=early, headers=agent).status_code == 200

    detail = api.get(f"/api/conversations/{created['id']}", headers=alice).json()
    assert [e["id"] for e in detail["events"]] == ["ev-1", "ev-2"]  # by time
    assert detail["events"][0]["turn_id"] is None
    export = api.get(f"/api/conversations/{created['id']}/export", headers=alice).json()
    assert export["conversation"]["events"] == detail["events"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "warning", "source": "llm", "detail": "x"},
        {"kind": "error", "source": "gpu", "detail": "x"},
        {"kind": "error", "source": "llm", "detail": "x" * 501},
        {"kind": "error", "source": "llm"},
        {"kind": "error", "source": "llm", "detail": "x", "created_at": "2026-01-02T03:04:05"},
    ],
)
def test_invalid_events_are_422(
    api: TestClient, agent: Headers, created: dict[str, Any], body: dict[str, Any]
) -> None:
    response = api.put(_event_url(created["room_name"], "ev"), json=body, headers=agent)
    assert response.status_code == 422


def test_events_need_the_agent_and_a_known_room(
    api: TestClient, alice: Headers, agent: Headers, created: dict[str, Any]
) -> None:
    body = {"kind": "info", "source": "agent", "detail": "started"}
    assert (
        api.put(_event_url(created["room_name"], "e"), json=body, headers=alice).status_code == 401
    )
    missing = api.put(
        _event_url("va-missing", "e"), json=body, headers=job_headers(api, "va-missing")
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "conversation not found"})


def test_a_batch_is_written_once_whatever_the_retries(
    api: TestClient, alice: Headers, agent: Headers, created: dict[str, Any]
) -> None:
    room = created["room_name"]
    messages = [
        {
            "id": f"m{i:03d}",
            "role": "user" if i % 2 == 0 else "assistant",
            "text": f"message {i}",
            "created_at": f"2026-01-02T03:04:{i:02d}+00:00",
            "latency": {"e2e_ms": 100.0 + i},
            "interrupted": i == 3,
        }
        for i in range(50)
    ]
    first = api.post(_batch_url(room), json={"messages": messages}, headers=agent)
    assert (first.status_code, first.json()) == (200, {"count": 50})
    # A retry, and a later batch that revises one message and repeats an id within itself.
    assert api.post(_batch_url(room), json={"messages": messages}, headers=agent).status_code == 200
    revised = [{**messages[3], "text": "first try"}, {**messages[3], "text": "revised"}]
    again = api.post(_batch_url(room), json={"messages": revised}, headers=agent)
    assert again.json() == {"count": 1}

    history = api.get(f"/api/agent/conversations/{room}/messages", headers=agent).json()
    assert [m["id"] for m in history] == [m["id"] for m in messages]
    assert history[3]["text"] == "revised" and history[3]["interrupted"] is True
    assert history[10]["latency"] == {"e2e_ms": 110.0}
    assert history[0]["created_at"] == "2026-01-02T03:04:00Z"
    detail = api.get(f"/api/conversations/{created['id']}", headers=alice).json()
    assert len(detail["messages"]) == 50


def test_batch_limits(make_client: ClientFactory, alice: Headers) -> None:
    client = make_client(max_batch_messages=3, max_message_chars=10)
    room = client.post("/api/conversations", json={}, headers=alice).json()["conversation"][
        "room_name"
    ]
    agent = job_headers(client, room)
    four = [{"id": f"m{i}", "role": "user", "text": "hi"} for i in range(4)]
    too_many = client.post(_batch_url(room), json={"messages": four}, headers=agent)
    assert (too_many.status_code, too_many.json()) == (
        413,
        {"detail": "too many messages in one batch"},
    )
    long = [{"id": "m0", "role": "user", "text": "x" * 11}]
    too_long = client.post(_batch_url(room), json={"messages": long}, headers=agent)
    assert (too_long.status_code, too_long.json()) == (413, {"detail": "message text too long"})
    assert client.post(_batch_url(room), json={"messages": []}, headers=agent).status_code == 422
    assert client.get(f"/api/agent/conversations/{room}/messages", headers=agent).json() == []


def test_batch_bodies_may_exceed_the_general_body_limit(
    make_client: ClientFactory, alice: Headers
) -> None:
    client = make_client(max_body_bytes=1024, max_batch_body_bytes=65536)
    room = client.post("/api/conversations", json={}, headers=alice).json()["conversation"][
        "room_name"
    ]
    agent = job_headers(client, room)
    batch = {"messages": [{"id": f"m{i}", "role": "user", "text": "y" * 100} for i in range(100)]}
    response = client.post(_batch_url(room), json=batch, headers=agent)
    assert (response.status_code, response.json()) == (200, {"count": 100})
    single = client.put(
        f"/api/agent/conversations/{room}/messages/big",
        json={"role": "user", "text": "y" * 2000},
        headers=agent,
    )
    assert (single.status_code, single.json()) == (413, {"detail": "request body too large"})
