"""Files shared in a conversation: the agent's job stores them (name, kind, size, the text it
read, an image's bytes) in its own conversation only; the owner reads them; nobody else does;
they go when the conversation is deleted."""

from __future__ import annotations

import base64
import uuid

import pytest
from conftest import ClientFactory
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
            "content_type": None,
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


# --- an image's bytes ----------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
CAT = {"name": "cat.png", "kind": "image", "size": len(PNG), "text": ""}


def _content(data: bytes, content_type: str = "image/png") -> dict[str, str]:
    return {"content_type": content_type, "data": base64.b64encode(data).decode()}


def _store_image(api: TestClient, room: str, job: Headers) -> None:
    assert api.put(_file_url(room, "f-img"), json=CAT, headers=job).status_code == 200
    kept = api.put(_file_url(room, "f-img") + "/content", json=_content(PNG), headers=job)
    assert kept.status_code == 200, kept.text
    assert kept.json()["content_type"] == "image/png"


def test_an_images_bytes_are_kept_and_served_to_its_owner(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice)
    _store_image(api, room, job_headers(api, room))
    [listed] = api.get(f"/api/conversations/{conversation}/files", headers=alice).json()
    assert listed["content_type"] == "image/png"
    got = api.get(f"/api/conversations/{conversation}/files/f-img/content", headers=alice)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"


def test_another_user_cannot_fetch_an_image(api: TestClient, alice: Headers, bob: Headers) -> None:
    conversation, room = _start(api, alice)
    _store_image(api, room, job_headers(api, room))
    stolen = api.get(f"/api/conversations/{conversation}/files/f-img/content", headers=bob)
    unknown = api.get(
        "/api/conversations/00000000-0000-4000-8000-000000000000/files/f-img/content",
        headers=bob,
    )
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()


def test_only_real_images_within_the_limit_are_kept(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice)
    job = job_headers(api, room)
    url = _file_url(room, "f-img") + "/content"
    assert api.put(url, json=_content(PNG), headers=job).status_code == 404  # no row yet
    api.put(_file_url(room, "f-img"), json=CAT, headers=job)
    api.put(_file_url(room, "f-1"), json=NOTES, headers=job)
    wrong = [
        api.put(url, json=_content(b"<svg onload=alert(1)>"), headers=job),  # not a PNG
        api.put(url, json=_content(PNG, "image/jpeg"), headers=job),  # not what it says
        api.put(_file_url(room, "f-1") + "/content", json=_content(PNG), headers=job),  # a text
    ]
    assert [r.status_code for r in wrong] == [422, 422, 422]
    assert "only images are kept" in wrong[0].json()["detail"]
    svg = api.put(url, json={"content_type": "image/svg+xml", "data": "PHN2Zz4="}, headers=job)
    assert svg.status_code == 422  # not a type that is kept at all
    files = api.get(f"/api/conversations/{conversation}/files", headers=alice).json()
    assert [f["content_type"] for f in files] == [None, None]
    missing = api.get(f"/api/conversations/{conversation}/files/f-img/content", headers=alice)
    assert missing.status_code == 404


def test_an_image_over_the_limit_is_refused(make_client: ClientFactory, alice: Headers) -> None:
    api = make_client(max_file_bytes=1024)
    _, room = _start(api, alice)
    job = job_headers(api, room)
    api.put(_file_url(room, "f-img"), json=CAT, headers=job)
    big = api.put(
        _file_url(room, "f-img") + "/content", json=_content(PNG + bytes(2000)), headers=job
    )
    assert big.status_code == 413


def test_an_image_is_deleted_with_its_conversation(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice)
    _store_image(api, room, job_headers(api, room))
    assert api.delete(f"/api/conversations/{conversation}", headers=alice).status_code == 204
    gone = api.get(f"/api/conversations/{conversation}/files/f-img/content", headers=alice)
    assert gone.status_code == 404
    services = services_of(api.app)
    with services.sessionmaker() as session:
        assert crud.list_files(session, conversation_id=uuid.UUID(conversation)) == []
