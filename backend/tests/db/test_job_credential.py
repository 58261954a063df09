"""Each agent job gets a credential for its one conversation (in the dispatch metadata the
backend sets): it opens that conversation's agent routes and its user's notes, and answers
403 for any other conversation, another user's notes, and the worker's own routes. Only the
backend can sign one (BACKEND_JOB_CREDENTIAL_SECRET): not the worker, whose service token
every job process inherits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from job_credentials import JOB_SECRET
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
    other_secret = make_settings(
        agent_service_token=AGENT_TOKEN,
        job_credential_secret="another-job-credential-secret-0123456789",
    )
    settings = make_settings(agent_service_token=AGENT_TOKEN, job_credential_secret=JOB_SECRET)
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
    assert resumed["conversation_id"] == first["conversation_id"]
    response = api.get(f"/api/agent/conversations/{room}", headers=_bearer(resumed["credential"]))
    assert response.status_code == 200


def test_a_credential_signed_with_the_service_token_is_refused(
    api: TestClient, alice: Headers
) -> None:
    """Whoever holds the worker's service token (every job process inherits it) cannot mint
    a credential: neither with the key the backend once derived from it, nor with the token
    itself."""
    room, metadata = _dispatched(api, alice)
    issued = int(time.time())
    claims = {
        "aud": "va-agent-job",
        "iat": issued,
        "exp": issued + 3600,
        "cid": metadata["conversation_id"],
        "room": room,
        "uid": ALICE,
    }
    derived = hmac.new(AGENT_TOKEN.encode(), b"va-agent-job-credential-v1", hashlib.sha256)
    for key in (derived.digest(), AGENT_TOKEN.encode()):
        forged = jwt.encode(claims, key, algorithm="HS256")
        response = api.get(f"/api/agent/conversations/{room}", headers=_bearer(forged))
        assert response.status_code == 401
        assert response.json() == {"detail": "missing or invalid agent service token"}
    real = _bearer(metadata["credential"])
    assert api.get(f"/api/agent/conversations/{room}", headers=real).status_code == 200


def test_an_expired_credential_still_writes_its_journal_within_the_grace(
    api: TestClient, make_settings: Callable[..., Settings], alice: Headers
) -> None:
    """The worker replays a gone job's journaled writes with that job's credential, after a
    long backend outage too: past its expiry it still writes its own conversation's messages
    and events for the grace (the journal's maximum age), and opens nothing else."""
    room, metadata = _dispatched(api, alice)
    settings = make_settings(agent_service_token=AGENT_TOKEN, job_credential_secret=JOB_SECRET)
    scope = JobScope(metadata["conversation_id"], room, ALICE)
    ttl, grace = settings.agent_job_credential_ttl_seconds, 7 * 86400
    expired = _bearer(str(job_credential.mint(settings, scope, now=time.time() - ttl - 3600)))
    too_old = _bearer(str(job_credential.mint(settings, scope, now=time.time() - ttl - grace)))
    message = {"role": "user", "text": "said before the outage"}
    event = {"kind": "error", "source": "llm", "detail": "timeout"}
    batch = {"messages": [{"id": "m2", **message}]}

    put = api.put(f"/api/agent/conversations/{room}/messages/m1", json=message, headers=expired)
    assert put.status_code == 200
    url = f"/api/agent/conversations/{room}/messages:batch"
    assert api.post(url, json=batch, headers=expired).status_code == 200
    url = f"/api/agent/conversations/{room}/events/e1"
    assert api.put(url, json=event, headers=expired).status_code == 200
    for refused in (
        api.get(f"/api/agent/conversations/{room}", headers=expired),
        api.get(f"/api/agent/conversations/{room}/messages", headers=expired),
        api.get(f"/api/agent/users/{ALICE}/notes", headers=expired),
        api.put(f"/api/agent/users/{ALICE}/notes/n1", json={"text": "x"}, headers=expired),
    ):
        assert refused.status_code == 401, refused.request.url
        assert refused.json() == {"detail": "this job's credential has expired"}
    late = api.put(f"/api/agent/conversations/{room}/messages/m3", json=message, headers=too_old)
    assert late.status_code == 401
    stored = api.get(f"/api/conversations/{metadata['conversation_id']}", headers=alice).json()
    assert [m["id"] for m in stored["messages"]] == ["m1", "m2"]
    assert [e["id"] for e in stored["events"]] == ["e1"]
