"""Each agent job gets a credential for its one conversation (in the dispatch metadata the
backend sets): it opens that conversation's agent routes and its user's notes, and answers
403 for any other conversation, another user's notes, and the worker's own routes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from livekit import api

from app.core import job_credential
from app.core.config import Settings
from app.core.job_credential import JobScope
from app.core.redispatch import Redispatcher
from app.core.security import user_id_for_key
from app.core.services import services_of

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
AGENT_TOKEN = "agent-service-token-" + "x" * 24
ALICE = user_id_for_key("alice-api-key-0123456789")
BOB = user_id_for_key("bob-api-key-0123456789")
OUT_OF_SCOPE = {"detail": "this job's credential is for another conversation"}


def _dispatched(client: TestClient, headers: Headers) -> tuple[str, dict[str, Any]]:
    """A new conversation's room and the metadata its agent is dispatched with."""
    body = client.post("/api/conversations", json={}, headers=headers).json()
    claims = api.TokenVerifier("test-livekit-key", "test-livekit-secret-0123456789abcdef").verify(
        body["connection"]["participant_token"]
    )
    assert claims.room_config is not None
    [dispatch] = claims.room_config.agents
    return body["conversation"]["room_name"], json.loads(dispatch.metadata)


def _bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def test_a_job_credential_opens_only_its_own_conversation(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    room_a, metadata = _dispatched(api, alice)
    room_b, _ = _dispatched(api, bob)
    job = _bearer(metadata["credential"])
    message = {"role": "user", "text": "hello"}

    assert api.get(f"/api/agent/conversations/{room_a}", headers=job).status_code == 200
    put = api.put(f"/api/agent/conversations/{room_a}/messages/m1", json=message, headers=job)
    assert put.status_code == 200
    assert api.get(f"/api/agent/users/{ALICE}/notes", headers=job).status_code == 200
    note = api.put(f"/api/agent/users/{ALICE}/notes/n1", json={"text": "tea"}, headers=job)
    assert note.status_code == 200

    for refused in (
        api.get(f"/api/agent/conversations/{room_b}", headers=job),
        api.get(f"/api/agent/conversations/{room_b}/messages", headers=job),
        api.put(f"/api/agent/conversations/{room_b}/messages/m1", json=message, headers=job),
        api.post(
            f"/api/agent/conversations/{room_b}/messages:batch",
            json={"messages": [{"id": "m2", **message}]},
            headers=job,
        ),
        api.put(
            f"/api/agent/conversations/{room_b}/events/e1",
            json={"kind": "error", "source": "llm", "detail": "x"},
            headers=job,
        ),
        api.get(f"/api/agent/users/{BOB}/notes", headers=job),
        api.put(f"/api/agent/users/{BOB}/notes/n1", json={"text": "tea"}, headers=job),
    ):
        assert refused.status_code == 403, refused.request.url
        assert refused.json() == OUT_OF_SCOPE
    assert (
        api.get(f"/api/conversations/{_id(api, bob, room_b)}", headers=bob).json()["messages"] == []
    )  # nothing reached bob's conversation

    capacity = {"agent_name": "voice-assistant", "max_sessions": 2, "load": 0.0, "draining": False}
    worker = api.put("/api/agent/workers/w1", json=capacity, headers=job)
    assert worker.status_code == 403
    assert worker.json() == {"detail": "only the worker's service token may do this"}
    assert api.get("/api/conversations", headers=job).status_code == 401  # no user route


def _id(client: TestClient, headers: Headers, room: str) -> str:
    items = client.get("/api/conversations", headers=headers).json()["items"]
    [found] = [c["id"] for c in items if c["room_name"] == room]
    return str(found)


def test_forged_expired_or_foreign_credentials_are_401(
    api: TestClient, make_settings: Callable[..., Settings], alice: Headers
) -> None:
    room, metadata = _dispatched(api, alice)
    scope = JobScope(metadata["conversation_id"], room, ALICE)
    other_secret = make_settings(agent_service_token="another-service-token-0123456789abcdef")
    settings = make_settings(agent_service_token=AGENT_TOKEN)  # the app's own
    expired = job_credential.mint(settings, scope, now=0)
    forged = job_credential.mint(other_secret, scope)
    header, claims, signature = metadata["credential"].split(".")
    widened = json.dumps({"room": "va-someoneelse"}).encode()
    tampered = ".".join([header, base64.urlsafe_b64encode(widened).decode(), signature])
    for token in (expired, forged, tampered, "a.b.c"):
        assert token is not None
        response = api.get(f"/api/agent/conversations/{room}", headers=_bearer(token))
        assert response.status_code == 401, token


def test_a_redispatched_job_gets_a_fresh_credential(api: TestClient, alice: Headers) -> None:
    room, first = _dispatched(api, alice)
    services = services_of(api.app)  # type: ignore[arg-type]
    redispatcher = Redispatcher(
        services.settings,
        services.agent_capacity,
        services.sessionmaker,
        livekit=None,  # type: ignore[arg-type]  # resume_metadata does not call LiveKit
        grace_s=8,
    )
    resumed = json.loads(redispatcher.resume_metadata(room))
    assert resumed["resume"] is True
    assert resumed["conversation_id"] == first["conversation_id"]
    response = api.get(f"/api/agent/conversations/{room}", headers=_bearer(resumed["credential"]))
    assert response.status_code == 200
