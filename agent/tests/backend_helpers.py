"""Helpers for tests that talk to the real backend app in-process (fixtures in conftest).

The agent's clients here use what a job gets: the credential the backend mints for a room's
conversation (the worker's service token opens no conversation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jwt
from voice_agent.persistence import BackendClient, Journal, JournalSender

# The backend only hands out tokens to loopback Host headers (DNS-rebinding check).
BASE = "http://127.0.0.1"


async def new_room(app: Any) -> str:
    """A conversation row, the way the web client makes one: POST /api/token on loopback."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        response = await c.post("/api/token", json={})
    assert response.status_code == 200, response.text
    room: str = response.json()["room_name"]
    return room


async def new_dispatched_room(app: Any) -> tuple[str, str]:
    """A new conversation's room and the dispatch metadata its agent job would get."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        response = await c.post("/api/token", json={})
    assert response.status_code == 200, response.text
    body = response.json()
    claims = jwt.decode(body["participant_token"], options={"verify_signature": False})
    [dispatch] = claims["roomConfig"]["agents"]
    return body["room_name"], str(dispatch["metadata"])


def credential_for(app: Any, room: str = "va-none") -> str:
    """The credential the backend puts in the dispatch metadata of ``room``'s job; for a
    room without a conversation, one naming that room (and the local user's notes)."""
    from app import crud
    from app.core import job_credential
    from app.core.job_credential import JobScope
    from app.core.security import LOCAL_USER
    from app.core.services import services_of

    services = services_of(app)
    with services.sessionmaker() as session:
        conversation = crud.get_conversation_by_room(session, room_name=room)
        if conversation is None:
            scope = JobScope("none", room, LOCAL_USER)
        else:
            scope = JobScope(str(conversation.id), room, conversation.user_id)
    token = job_credential.mint(services.settings, scope)
    assert token is not None
    return token


def dispatch_metadata(app: Any, room: str) -> str:
    """Dispatch metadata carrying ``room``'s job credential."""
    return json.dumps({"credential": credential_for(app, room)})


def in_process_client(app: Any, **kwargs: Any) -> BackendClient:
    """The agent's backend client wired straight to the app, with no retry back-off; each
    request about a room carries that room's job credential, the others the local user's."""
    return BackendClient(
        BASE,
        credential_for(app),
        backoff_s=0.0,
        transport=httpx.ASGITransport(app=app),
        room_credential=lambda room: credential_for(app, room),
        **kwargs,
    )


def journaled_writes(app: Any, folder: Path) -> tuple[Journal, JournalSender]:
    """A journal in ``folder`` and its sender, wired to the in-process backend (each room's
    writes sent with that room's job credential)."""
    journal = Journal(folder)
    return journal, JournalSender(journal, in_process_client(app, retries=0))
