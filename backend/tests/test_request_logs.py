"""JSON logs: every line logged while a request is served carries its id (and the room)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from job_credentials import JOB_SECRET, job_headers

from app import log
from app.core.config import Settings
from app.main import create_app

pytestmark = pytest.mark.unit


@contextlib.contextmanager
def json_lines() -> Iterator[list[dict[str, Any]]]:
    """The JSON objects logged inside the block, formatted as they are emitted (the request's
    context is only there at that moment)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    out: list[dict[str, Any]] = []
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        out.extend(json.loads(line) for line in stream.getvalue().splitlines())


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["name"] == "voice_backend.access"]


def test_each_request_gets_an_id_that_is_echoed_and_logged(client: TestClient) -> None:
    with json_lines() as lines:
        token = client.post("/api/token", json={})
        with_id = client.get("/api/health", headers={"X-Request-ID": "trace-123"})
        odd = client.get("/api/health", headers={"X-Request-ID": "not ok"})

    assert with_id.headers["x-request-id"] == "trace-123"
    assert odd.headers["x-request-id"] != "not ok"  # made up instead of echoing junk
    access = access_lines(lines)
    routes = [(line["method"], line["route"], line["status"]) for line in access]
    assert ("POST", "/api/token", 200) in routes
    assert ("GET", "/api/health", 200) in routes
    assert {line["request_id"] for line in access} >= {"trace-123", odd.headers["x-request-id"]}
    # the token route's own line shares its request's id and names the room
    issued = [line for line in lines if line["message"] == "token issued"]
    assert issued and issued[0]["room"] == token.json()["room_name"]
    token_access = next(line for line in access if line["route"] == "/api/token")
    assert issued[0]["request_id"] == token_access["request_id"]
    assert all(token.json()["participant_token"] not in json.dumps(line) for line in lines)


def test_agent_routes_log_the_room_they_name(make_settings: Callable[..., Settings]) -> None:
    agent_token = "agent-token-for-the-log-test-0123456789"
    app = create_app(
        make_settings(agent_service_token=agent_token, job_credential_secret=JOB_SECRET)
    )
    with (
        TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as client,
        json_lines() as lines,
    ):
        room = client.post("/api/token", json={}).json()["room_name"]
        response = client.get(f"/api/agent/conversations/{room}", headers=job_headers(client, room))
    assert response.status_code == 200
    access = [line for line in access_lines(lines) if line["route"].startswith("/api/agent/")]
    assert [(line["route"], line["room"]) for line in access] == [
        ("/api/agent/conversations/{room_name}", room)
    ]


def test_text_format_is_plain(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        log.configure("text")
        logging.getLogger("voice_backend").info("hello")
        log.configure("json")
        logging.getLogger("voice_backend").info("hello")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("INFO voice_backend hello")
    assert json.loads(err[1])["message"] == "hello"
