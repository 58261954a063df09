from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from job_credentials import JOB_SECRET, job_headers

from app.main import create_app

pytestmark = pytest.mark.unit

OPERATIONS = {
    ("post", "/api/token"),
    ("get", "/api/health"),
    ("post", "/api/conversations"),
    ("get", "/api/conversations"),
    ("get", "/api/conversations/{conversation_id}"),
    ("delete", "/api/conversations/{conversation_id}"),
    ("get", "/api/conversations/{conversation_id}/export"),
    ("get", "/api/conversations/{conversation_id}/messages"),
    ("post", "/api/conversations/{conversation_id}/end"),
    ("get", "/api/conversations/{conversation_id}/files"),
    ("get", "/api/conversations/{conversation_id}/files/{file_id}/content"),
    ("get", "/api/conversations/{conversation_id}/recording"),
    ("put", "/api/conversations/{conversation_id}/rating"),
    ("delete", "/api/conversations/{conversation_id}/rating"),
    ("get", "/api/analytics"),
    ("get", "/api/analytics/{table}.csv"),
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
    ("put", "/api/agent/conversations/{room_name}/files/{file_id}"),
    ("put", "/api/agent/conversations/{room_name}/files/{file_id}/content"),
    ("get", "/api/agent/conversations/{room_name}/files"),
    ("put", "/api/agent/conversations/{room_name}/recording/chunk"),
    ("get", "/api/agent/conversations/{room_name}/recording"),
    ("put", "/api/agent/workers/{worker_id}"),
    ("get", "/api/experiments"),
    ("post", "/api/experiments"),
    ("get", "/api/experiments/{experiment_id}"),
    ("put", "/api/experiments/{experiment_id}"),
    ("delete", "/api/experiments/{experiment_id}"),
    ("post", "/api/experiments/{experiment_id}/start"),
    ("post", "/api/experiments/{experiment_id}/stop"),
    ("get", "/api/experiments/{experiment_id}/results"),
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
    for path in ("/api/analytics", "/api/analytics/{table}.csv"):
        assert {"401", "403", "422"} <= set(paths[path]["get"]["responses"])
    csv = paths["/api/analytics/{table}.csv"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in csv
    webhook = paths["/livekit/webhook"]["post"]
    assert "application/webhook+json" in webhook["requestBody"]["content"]
    assert {"400", "401"} <= set(webhook["responses"])


def test_the_served_schema_lists_the_configured_choices_and_limits(
    make_settings: Any, tmp_path: Any
) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(
        '{"personas": [{"id": "pirate", "name": "Pirate", "instructions": "Arr."}],'
        ' "voices": [{"id": "deep", "name": "Deep"}], "languages": ["de", "fr"]}'
    )
    settings = make_settings(catalog=catalog, max_message_chars=500, max_batch_messages=7)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        served = client.get("/openapi.json").json()["components"]["schemas"]

    def choices(field: str) -> list[str]:
        branches = served["ConversationCreate"]["properties"][field]["anyOf"]
        return next(b["enum"] for b in branches if b.get("type") == "string")

    assert (choices("persona"), choices("voice"), choices("language")) == (
        ["pirate"],
        ["deep"],
        ["de", "fr"],
    )
    for body in ("MessageIn", "BatchMessageIn", "NoteIn"):
        assert served[body]["properties"]["text"]["maxLength"] == 500
    assert served["MessageBatchIn"]["properties"]["messages"]["maxItems"] == 7
    assert served["MessageIn"]["properties"]["latency"]["additionalProperties"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/agent/conversations/r/messages/m", {"role": "user", "text": "x", "interrupted": 0}),
        ("/api/agent/conversations/r/messages/m", {"role": "user", "text": "x", "created_at": 0}),
        (
            "/api/agent/conversations/r/messages/m",
            {"role": "user", "text": "x", "latency": {"": 1}},
        ),
        (
            "/api/agent/conversations/r/messages/m",
            {"role": "user", "text": "x", "latency": {"a": "1"}},
        ),
        ("/api/agent/users/u/notes/n", {"text": "x", "created_at": 0}),
        (
            "/api/agent/conversations/r/events/e",
            {"kind": "info", "source": "llm", "detail": "", "created_at": 1},
        ),
        ("/api/metrics/client-latency", {"room_name": "r", "turn": 1, "e2e_ms": False}),
        ("/api/metrics/client-latency", {"room_name": "r", "turn": "1", "e2e_ms": 1}),
        ("/api/metrics/client-latency", {"room_name": "r", "turn": True, "e2e_ms": 1}),
    ],
)
def test_a_value_of_another_json_type_is_refused(
    make_settings: Any, path: str, body: dict[str, Any]
) -> None:
    token = "agent-service-token-" + "x" * 24
    app = create_app(make_settings(agent_service_token=token, job_credential_secret=JOB_SECRET))
    method = "POST" if path.startswith("/api/metrics") else "PUT"
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        headers = job_headers(client, "r", user="u") if "/agent/" in path else {}
        response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "body"
