"""BackendClient against the real backend app, in-process over httpx.ASGITransport."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from backend_helpers import BASE, credential_for, new_room
from voice_agent.documents import Documents
from voice_agent.file_input import restore_documents
from voice_agent.persistence import BackendClient, BackendError
from voice_agent.settings import FileSettings

pytestmark = pytest.mark.unit

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the app, after answering the first ``fail`` with ``status``
    (or raising ConnectError when ``status`` is None)."""

    def __init__(self, app: Any, *, fail: int = 0, status: int | None = 503) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.fail = fail
        self.status = status
        self.calls: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        if len(self.calls) <= self.fail:
            if self.status is None:
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(self.status, json={"detail": "unavailable"})
        return await self._inner.handle_async_request(request)


def make_client(
    transport: httpx.AsyncBaseTransport, token: str, *, retries: int = 3
) -> BackendClient:
    return BackendClient(BASE, token, retries=retries, backoff_s=0.0, transport=transport)


async def test_put_twice_with_one_id_keeps_one_message(backend_app: Any) -> None:
    room = await new_room(backend_app)
    client = make_client(httpx.ASGITransport(app=backend_app), credential_for(backend_app, room))
    for text in ("first try", "second try"):
        stored = await client.put_message(
            room,
            "item_abc123",
            role="user",
            text=text,
            created_at=WHEN,
            latency_ms={"transcription_ms": 120.5, "end_of_turn_ms": 300.0},
            interrupted=False,
        )
        assert stored.id == "item_abc123"

    [message] = await client.list_messages(room)
    assert (message.id, message.role, message.text) == ("item_abc123", "user", "second try")
    assert message.latency == {"transcription_ms": 120.5, "end_of_turn_ms": 300.0}
    assert message.created_at == WHEN and message.interrupted is False
    await client.aclose()


async def test_get_conversation_and_unknown_room(backend_app: Any) -> None:
    room = await new_room(backend_app)
    transport = httpx.ASGITransport(app=backend_app)
    client = make_client(transport, credential_for(backend_app, room))
    conversation = await client.get_conversation(room)
    assert conversation.room_name == room and conversation.status == "active"
    assert conversation.user_id
    unknown = make_client(transport, credential_for(backend_app, "no-such-room"))
    with pytest.raises(BackendError) as info:
        await unknown.list_messages("no-such-room")
    assert info.value.status == 404 and info.value.retryable is False


async def test_wrong_token_is_a_typed_401_and_not_retried(backend_app: Any) -> None:
    room = await new_room(backend_app)
    transport = CountingTransport(backend_app)
    client = make_client(transport, "not-the-token-" + "y" * 30)
    with pytest.raises(BackendError) as info:
        await client.put_message(room, "m1", role="user", text="secret words", created_at=WHEN)
    assert info.value.status == 401 and info.value.retryable is False
    assert len(transport.calls) == 1
    assert "secret words" not in str(info.value) and "secret words" not in repr(info.value)


async def test_5xx_is_retried_and_stored_once(backend_app: Any) -> None:
    room = await new_room(backend_app)
    transport = CountingTransport(backend_app, fail=2, status=503)
    client = make_client(transport, credential_for(backend_app, room), retries=3)
    await client.put_message(room, "m1", role="assistant", text="hello", created_at=WHEN)
    assert len(transport.calls) == 3
    assert [m.id for m in await client.list_messages(room)] == ["m1"]


async def test_connection_errors_are_retried_then_raised(backend_app: Any) -> None:
    transport = CountingTransport(backend_app, fail=10, status=None)
    client = make_client(transport, "t" * 40, retries=2)
    with pytest.raises(BackendError) as info:
        await client.list_messages("room")
    assert info.value.status is None and info.value.retryable is True
    assert len(transport.calls) == 3  # the first try and 2 retries


async def test_4xx_is_not_retried(backend_app: Any) -> None:
    room = await new_room(backend_app)
    transport = CountingTransport(backend_app)
    client = make_client(transport, credential_for(backend_app, room))
    with pytest.raises(BackendError) as info:  # a latency key the backend refuses: 422
        await client.put_message(
            room, "m1", role="user", text="x", created_at=WHEN, latency_ms={"Bad Key": 1.0}
        )
    assert info.value.status == 422 and info.value.detail is None  # 422 details echo input
    with pytest.raises(BackendError) as refused:  # a room not its own: 403, not retried
        await client.put_message("no-such-room", "m1", role="user", text="x", created_at=WHEN)
    assert refused.value.status == 403 and refused.value.retryable is False
    assert len(transport.calls) == 2


def test_from_settings_is_none_without_a_backend_url() -> None:
    from voice_agent.settings import AgentSettings

    assert BackendClient.from_settings(AgentSettings(backend_url=None)) is None


async def test_a_file_is_stored_with_its_conversation(backend_app: Any) -> None:
    room = await new_room(backend_app)
    client = make_client(httpx.ASGITransport(app=backend_app), credential_for(backend_app, room))
    body = {"name": "notes.txt", "kind": "text", "size": 40, "text": "The wifi is heron-42."}
    await client.put_file(room, "file_1", body)
    await client.put_file(room, "file_1", body)  # a retry: one row
    # a rejoined call reads them back into its context
    documents = Documents()
    assert await restore_documents(client, room, documents, FileSettings()) == 1
    message = documents.message()
    assert message is not None and "heron-42" in (message.text_content or "")
    await client.aclose()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        items = (await c.get("/api/conversations")).json()["items"]
        [conversation] = [i["id"] for i in items if i["room_name"] == room]
        files = (await c.get(f"/api/conversations/{conversation}/files")).json()
    assert [(f["id"], f["name"], f["text"]) for f in files] == [
        ("file_1", "notes.txt", "The wifi is heron-42.")
    ]


async def test_an_images_bytes_are_kept_with_its_file(backend_app: Any) -> None:
    room = await new_room(backend_app)
    client = make_client(httpx.ASGITransport(app=backend_app), credential_for(backend_app, room))
    gif = b"GIF89a" + bytes(40)
    await client.put_file(room, "file_2", {"name": "a.gif", "kind": "image", "size": 46})
    await client.put_file_content(room, "file_2", content_type="image/gif", data=gif)
    await client.aclose()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        items = (await c.get("/api/conversations")).json()["items"]
        [conversation] = [i["id"] for i in items if i["room_name"] == room]
        got = await c.get(f"/api/conversations/{conversation}/files/file_2/content")
    assert got.status_code == 200 and got.content == gif
    assert got.headers["content-type"] == "image/gif"
