"""Helpers for tests that talk to the real backend app in-process (fixtures in conftest)."""

from __future__ import annotations

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


def in_process_client(app: Any, token: str, **kwargs: Any) -> BackendClient:
    """The agent's backend client wired straight to the app, with no retry back-off."""
    return BackendClient(
        BASE, token, backoff_s=0.0, transport=httpx.ASGITransport(app=app), **kwargs
    )


def journaled_writes(app: Any, token: str, folder: Path) -> tuple[Journal, JournalSender]:
    """A journal in ``folder`` and its sender, wired to the in-process backend."""
    journal = Journal(folder)
    client = BackendClient(BASE, token, retries=0, transport=httpx.ASGITransport(app=app))
    return journal, JournalSender(journal, client)
