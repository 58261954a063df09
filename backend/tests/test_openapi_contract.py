from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit

OPERATIONS = {
    ("post", "/api/token"),
    ("get", "/api/health"),
    ("post", "/api/conversations"),
    ("get", "/api/conversations"),
    ("get", "/api/conversations/{conversation_id}"),
    ("delete", "/api/conversations/{conversation_id}"),
    ("get", "/api/conversations/{conversation_id}/export"),
    ("get", "/api/agent/conversations/{room_name}"),
    ("get", "/api/agent/conversations/{room_name}/messages"),
    ("put", "/api/agent/conversations/{room_name}/messages/{message_id}"),
    ("get", "/api/agent/users/{user_id}/notes"),
    ("put", "/api/agent/users/{user_id}/notes/{note_id}"),
    ("post", "/livekit/webhook"),
    ("get", "/api/auth/session"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/options"),
    ("post", "/api/metrics/client-latency"),
    ("get", "/api/sessions/active"),
    ("post", "/api/agent/conversations/{room_name}/messages:batch"),
    ("put", "/api/agent/conversations/{room_name}/events/{event_id}"),
    ("put", "/api/agent/workers/{worker_id}"),
}


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_every_operation_is_in_the_schema(schema: dict[str, Any]) -> None:
    found = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert found == OPERATIONS


def test_error_answers_are_documented(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert {"401", "503", "413", "404"} <= set(
        paths["/api/agent/conversations/{room_name}/messages/{message_id}"]["put"]["responses"]
    )
    assert {"200", "201", "409"} <= set(paths["/api/conversations"]["post"]["responses"])
    for path in ("/api/token", "/api/conversations"):
        assert {"401", "403", "429"} <= set(paths[path]["post"]["responses"])
    webhook = paths["/livekit/webhook"]["post"]
    assert "application/webhook+json" in webhook["requestBody"]["content"]
    assert {"400", "401"} <= set(webhook["responses"])
