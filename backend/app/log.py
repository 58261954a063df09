"""Logging: one JSON object per line (or plain text), with the request's id, and the room
when the request names one, on every line logged while it is served.

``BACKEND_LOG_FORMAT=json`` (default) or ``text``. Request and message bodies are never
logged; routes log ids and counts only.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import secrets
import time
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("voice_backend")
access_logger = logging.getLogger("voice_backend.access")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
room: contextvars.ContextVar[str | None] = contextvars.ContextVar("room", default=None)

# LogRecord's own attributes: everything else on a record came from `extra=`
# uvicorn adds `color_message` (the message with terminal colours) to its records
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
        }
        if (rid := request_id.get()) is not None:
            out["request_id"] = rid
        if (name := room.get()) is not None:
            out["room"] = name
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure(fmt: Literal["json", "text"]) -> None:
    """Root logging for the process (uvicorn's own loggers included)."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # RequestLogMiddleware logs requests
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin


QUIET_ROUTES = frozenset({"/api/agent/workers/{worker_id}"})


class RequestLogMiddleware:
    """Gives each request an id (``X-Request-ID``, echoed; made up when absent or odd) for
    every line logged while it runs, and logs one access line: method, route template,
    status, duration and the room when the path names one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        rid_token = request_id.set(rid)
        room_token = room.set(None)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            params = scope.get("path_params") or {}
            if isinstance(name := params.get("room_name"), str):
                room.set(name)
            route = getattr(scope.get("route"), "path", None) or "other"
            # a heartbeat every few seconds per worker: logged at DEBUG unless it failed
            quiet = route in QUIET_ROUTES and status < 400
            access_logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
            room.reset(room_token)
            request_id.reset(rid_token)


def _request_id(scope: Scope) -> str:
    for key, value in scope.get("headers") or []:
        if key == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return secrets.token_hex(8)
