"""Files shared in a conversation: the agent's job stores them (name, kind, size, the text it
read) in its own conversation only; the owner reads them; nobody else does; they go when the
conversation is deleted."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from job_credentials import job_headers

from app import crud
from app.core.services import services_of

pytestmark = pytest.mark.db

Headers = dict[str, str]
NOTES = {
    "name": "notes.txt",
    "kind": "text",
    "size": 58,
    "text": "The office wifi password is heron-42.",
    "created_at": "2026-11-30T04:00:00+00:00",
}


def _start(api: TestClient, user: Headers) -> tuple[str, str]:
    created = api.post("/api/conversations", json={}, headers=user).json()["conversation"]
    return str(created["id"]), str(created["room_name"])


def _file_url(room: str, file_id: str) -> str:
    return f"/api/agent/conversations/{room}/files/{file_id}"


def test_a_stored_file_is_read_back_by_its_owner(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice)
    job = job_headers(api, room)
    first = api.put(_file_url(room, "f-1"), json=NOTES, headers=job)
    again = api.put(_file_url(room, "f-1"), json=NOTES, headers=job)  # a retry: one row
    assert first.status_code == again.status_code == 200
    files = api.get(f"/api/conversations/{conversation}/files", headers=alice)
    assert files.status_code == 200
    assert files.json() == [
        {
            "id": "f-1",
            "name": "notes.txt",
            "kind": "text",
            "size": 58,
            "text": "The office wifi password is heron-42.",
            "created_at": "2026-11-30T04:00:00Z",
        }
    ]


def test_another_user_cannot_read_the_files(api: TestClient, alice: Headers, bob: Headers) -> None:
    conversation, room = _start(api, alice)
    api.put(_file_url(room, "f-1"), json=NOTES, headers=job_headers(api, room))
    stolen = api.get(f"/api/conversations/{conversation}/files", headers=bob)
    unknown = api.get("/api/conversations/00000000-0000-4000-8000-000000000000/files", headers=bob)
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()
    assert "heron" not in stolen.text


def test_another_conversations_job_cannot_store_a_file(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    _, alice_room = _start(api, alice)
    _, bob_room = _start(api, bob)
    refused = api.put(_file_url(alice_room, "f-1"), json=NOTES, headers=job_headers(api, bob_room))
    assert refused.status_code == 403


def test_files_are_deleted_with_their_conversation(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice)
    api.put(_file_url(room, "f-1"), json=NOTES, headers=job_headers(api, room))
    assert api.delete(f"/api/conversations/{conversation}", headers=alice).status_code == 204
    assert api.get(f"/api/conversations/{conversation}/files", headers=alice).status_code == 404
    # the rows themselves are gone, not only out of reach
    services = services_of(api.app)
    with services.sessionmaker() as session:
        assert crud.list_files(session, conversation_id=uuid.UUID(conversation)) == []
