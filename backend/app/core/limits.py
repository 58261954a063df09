"""Request body size limit, applied before any route reads the body."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE_DETAIL = "request body too large"


class BodySizeLimitMiddleware:
    """413 for bodies over max_bytes: by Content-Length, or by counting a chunked body.
    `larger` maps a path suffix (a batch endpoint) to its own, larger limit."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def _limit(self, path: str) -> int:
        for suffix, limit in self.larger.items():
            if path.endswith(suffix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > max_bytes:
                await self._reject(scope, receive, send)
                return
            # The server enforces Content-Length framing, so the body cannot be longer.
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked or none): buffer up to the limit, then replay.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away before sending the whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await self._reject(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": TOO_LARGE_DETAIL}, status_code=413)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
