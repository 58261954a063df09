"""Async client for the backend's agent API (``/api/agent``), authenticated with the job's
credential (the backend puts it in the dispatch metadata; it opens this one conversation and
its user's notes). The worker's service token, used where a job has none (console), opens no
conversation: the backend answers 403. The worker's own client (its journal replay) sends
each room's writes with the credential its job stored with them (``room_credential``).

HTTP failures become :class:`BackendError` (status ``None`` for a connection error or
timeout). Connection errors and 5xx/408/429 answers are retried with a short exponential
backoff, up to ``retries`` times; other 4xx answers are not. Transcript text is never logged.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
from livekit.agents import APIError

from ..http_clients import async_client
from ..observability import record_error
from ..settings import AgentSettings

logger = logging.getLogger("voice_agent.persistence")

Role = Literal["user", "assistant"]
_RETRYABLE_STATUS = frozenset({408, 429})


class BackendError(APIError):
    """A failed backend call: ``status`` is the HTTP status, or None when no answer came."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        detail: str | None = None,
        timed_out: bool = False,
    ) -> None:
        retryable = status is None or status >= 500 or status in _RETRYABLE_STATUS
        super().__init__(message, body=detail, retryable=retryable)
        self.status = status
        self.detail = detail
        self.timed_out = timed_out

    @property
    def error_type(self) -> str:
        """For the error metrics: timeout, connection, rate_limit or status."""
        if self.status is None:
            return "timeout" if self.timed_out else "connection"
        return "rate_limit" if self.status == 429 else "status"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    role: Role
    text: str
    created_at: dt.datetime
    latency: dict[str, float]
    interrupted: bool


@dataclass(frozen=True, slots=True)
class StoredNote:
    id: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RoomConversation:
    id: str
    room_name: str
    status: str
    user_id: str
    metadata: dict[str, str]


class BackendClient:
    """One client per job. Pass ``client`` (an ``httpx.AsyncClient``) or ``transport`` in tests."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 5.0,
        retries: int = 3,
        backoff_s: float = 0.2,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        room_credential: Callable[[str], str | None] | None = None,
    ) -> None:
        """``room_credential``: for a request about one room, the credential to send instead
        of ``token`` (None: ``token``)."""
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._room_credential = room_credential
        self._retries = retries
        self._backoff_s = backoff_s
        self._owns_client = client is None
        self._client = client or async_client(timeout=httpx.Timeout(timeout_s), transport=transport)

    @classmethod
    def from_settings(
        cls,
        settings: AgentSettings,
        *,
        dispatch_metadata: str | None = None,
        retries: int | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        room_credential: Callable[[str], str | None] | None = None,
    ) -> BackendClient | None:
        """The configured client, or None when persistence is off (no AGENT_BACKEND_URL);
        with the job's credential from ``dispatch_metadata`` when it carries one.
        ``retries``: instead of AGENT_PERSIST_RETRIES (the journal's sender retries itself)."""
        if settings.backend_url is None or settings.service_token is None:
            return None
        return cls(
            settings.backend_url,
            job_credential(dispatch_metadata) or settings.service_token.get_secret_value(),
            timeout_s=settings.backend_timeout_s,
            retries=settings.persist_retries if retries is None else retries,
            transport=transport,
            room_credential=room_credential,
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def get_conversation(self, room: str) -> RoomConversation:
        data = await self._request("GET", f"/conversations/{_seg(room)}", room=room)
        return RoomConversation(
            id=str(data["id"]),
            room_name=data["room_name"],
            status=data["status"],
            user_id=data["user_id"],
            metadata=dict(data.get("metadata") or {}),
        )

    async def list_messages(self, room: str, *, limit: int = 1000) -> list[StoredMessage]:
        """The room's newest ``limit`` messages (at most 2000), oldest first."""
        path = f"/conversations/{_seg(room)}/messages?limit={int(limit)}"
        data = await self._request("GET", path, room=room)
        return [stored_message(m) for m in data]

    async def put_message(
        self,
        room: str,
        message_id: str,
        *,
        role: Role,
        text: str,
        created_at: dt.datetime,
        latency_ms: Mapping[str, float] | None = None,
        interrupted: bool = False,
    ) -> StoredMessage:
        """Create or replace one message; the same id again leaves a single row."""
        body = message_body(
            role=role,
            text=text,
            created_at=created_at,
            latency_ms=latency_ms,
            interrupted=interrupted,
        )
        path = f"/conversations/{_seg(room)}/messages/{_seg(message_id)}"
        return stored_message(await self._request("PUT", path, json=body, room=room))

    async def put_note(
        self, user_id: str, note_id: str, *, text: str, created_at: dt.datetime | None = None
    ) -> StoredNote:
        """Create or replace one of the user's notes."""
        body: dict[str, Any] = {"text": text}
        if created_at is not None:
            body["created_at"] = created_at.isoformat()
        path = f"/users/{_seg(user_id)}/notes/{_seg(note_id)}"
        return _note(await self._request("PUT", path, json=body))

    async def put_messages(self, room: str, messages_json: list[str]) -> int:
        """Create or replace many messages in one transaction; how many the backend wrote.
        Each item is one message as JSON text (its ``id`` and the fields of ``put_message``,
        see ``with_id``): the journal's text goes out as it is, never decoded and encoded
        again."""
        path = f"/conversations/{_seg(room)}/messages:batch"
        body = ('{"messages":[' + ",".join(messages_json) + "]}").encode()
        data = await self._request("POST", path, content=body, room=room)
        return int(data["count"])

    async def put_event(self, room: str, event_id: str, body: Mapping[str, Any]) -> None:
        """Create or replace one timeline event (an error, a fallback); idempotent by id.
        ``body``: kind, source, detail, created_at (see ``event_body``)."""
        path = f"/conversations/{_seg(room)}/events/{_seg(event_id)}"
        await self._request("PUT", path, json=dict(body), room=room)

    async def put_file(self, room: str, file_id: str, body: Mapping[str, Any]) -> None:
        """Create or replace one file the user shared (name, kind, size, the text read);
        idempotent by id."""
        path = f"/conversations/{_seg(room)}/files/{_seg(file_id)}"
        await self._request("PUT", path, json=dict(body), room=room)

    async def put_file_content(
        self, room: str, file_id: str, *, content_type: str, data: bytes
    ) -> None:
        """Keep an image's bytes with its file (stored first with ``put_file``)."""
        path = f"/conversations/{_seg(room)}/files/{_seg(file_id)}/content"
        body = {"content_type": content_type, "data": base64.b64encode(data).decode()}
        await self._request("PUT", path, json=body, room=room)

    async def list_files(self, room: str) -> list[dict[str, Any]]:
        """The files shared in the room's conversation, oldest first (name, kind, text...)."""
        data = await self._request("GET", f"/conversations/{_seg(room)}/files", room=room)
        return [dict(f) for f in data]

    async def put_recording_chunk(
        self, room: str, *, offset: int, started_at: dt.datetime, data: bytes
    ) -> int:
        """Append the recording's bytes at ``offset`` (what the backend holds); the same
        upload again changes nothing. The recording's size after it."""
        body = {
            "offset": offset,
            "started_at": started_at.isoformat(),
            "data": base64.b64encode(data).decode("ascii"),
        }
        path = f"/conversations/{_seg(room)}/recording/chunk"
        return int((await self._request("PUT", path, json=body, room=room))["size"])

    async def recording_size(self, room: str) -> int:
        """Bytes of the conversation's recording stored so far (0: none yet)."""
        try:
            data = await self._request("GET", f"/conversations/{_seg(room)}/recording", room=room)
        except BackendError as e:
            if e.status == 404:
                return 0
            raise
        return int(data["size"])

    async def list_notes(self, user_id: str, *, limit: int = 100) -> list[StoredNote]:
        """The user's newest `limit` notes, oldest first."""
        data = await self._request("GET", f"/users/{_seg(user_id)}/notes?limit={int(limit)}")
        return [_note(n) for n in data]

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        room: str | None = None,
    ) -> Any:
        """``content``: a body already encoded as JSON (instead of ``json``)."""
        url = f"{self._base_url}/api/agent{path}"
        headers = self._headers_for(room)
        attempt = 0
        while True:
            try:
                return await self._send(method, url, json, content, headers)
            except BackendError as e:
                if not e.retryable or attempt >= self._retries:
                    record_error("backend", e)
                    raise
                delay = self._backoff_s * (2**attempt)
                attempt += 1
                logger.info(
                    "backend call failed, retrying",
                    extra={"method": method, "status": e.status, "attempt": attempt},
                )
                await asyncio.sleep(delay)

    def _headers_for(self, room: str | None) -> dict[str, str]:
        credential = self._room_credential(room) if room and self._room_credential else None
        return {"Authorization": f"Bearer {credential}"} if credential else self._headers

    async def _send(
        self, method: str, url: str, json: Any, content: bytes | None, headers: dict[str, str]
    ) -> Any:
        if content is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            response = await self._client.request(
                method, url, json=json, content=content, headers=headers
            )
        except httpx.TransportError as e:  # connection refused, timeouts, protocol errors
            raise BackendError(
                f"backend unreachable ({type(e).__name__})",
                status=None,
                timed_out=isinstance(e, httpx.TimeoutException),
            ) from None  # the request (and its transcript text) stays out of the chain
        if response.is_success:
            return response.json()
        raise BackendError(
            f"backend answered {response.status_code} to {method}",
            status=response.status_code,
            detail=_detail(response),
        )


def message_body(
    *,
    role: Role,
    text: str,
    created_at: dt.datetime,
    latency_ms: Mapping[str, float] | None = None,
    interrupted: bool = False,
) -> dict[str, Any]:
    """The JSON of one message, as the backend's message routes take it."""
    return {
        "role": role,
        "text": text,
        "created_at": created_at.isoformat(),
        "latency": dict(latency_ms or {}),
        "interrupted": interrupted,
    }


def with_id(message_id: str, body_json: str) -> str:
    """One message of a batch as JSON text: ``{"id": message_id, ...body}`` from the JSON
    object ``body_json`` (a ``message_body``), without decoding it."""
    rest = body_json.strip()[1:].lstrip()
    return '{"id":' + json.dumps(message_id) + ("}" if rest.startswith("}") else "," + rest)


def event_body(*, kind: str, source: str, detail: str, created_at: dt.datetime) -> dict[str, Any]:
    """The JSON of one timeline event (the detail cut to the backend's 500 characters)."""
    return {
        "kind": kind,
        "source": source,
        "detail": detail[:500],
        "created_at": created_at.isoformat(),
    }


def job_credential(dispatch_metadata: str | None) -> str | None:
    """The credential the backend put in the job's dispatch metadata, if any."""
    try:
        data = json.loads(dispatch_metadata or "{}")
    except ValueError:
        return None
    credential = data.get("credential") if isinstance(data, dict) else None
    return credential if isinstance(credential, str) and credential else None


def _seg(value: str) -> str:
    return quote(value, safe="")


def _detail(response: httpx.Response) -> str | None:
    # only the backend's stable string details: a 422's detail echoes the request body
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return None
    return detail if isinstance(detail, str) else None


def stored_message(data: Mapping[str, Any]) -> StoredMessage:
    """A message as the backend answers it (also a journaled message's body with its id)."""
    return StoredMessage(
        id=data["id"],
        role=data["role"],
        text=data["text"],
        created_at=_aware(dt.datetime.fromisoformat(data["created_at"])),
        latency={k: float(v) for k, v in (data.get("latency") or {}).items()},
        interrupted=bool(data.get("interrupted", False)),
    )


def _note(data: Mapping[str, Any]) -> StoredNote:
    return StoredNote(
        id=data["id"],
        text=data["text"],
        created_at=_aware(dt.datetime.fromisoformat(data["created_at"])),
    )


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; the backend stores UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
