"""Refuse drive-by requests: a state-changing /api request must come from this origin (or a
trusted one), and one that may carry a body must say it is JSON. A page on another site can
then reach no route that changes anything, with or without the user's cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

CROSS_ORIGIN_DETAIL = "cross-origin request refused"
NOT_JSON_DETAIL = "content type must be application/json"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_SAME_ORIGIN_SITES = frozenset({"same-origin", "none"})  # "none": typed URL or bookmark
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def same_origin(headers: Headers, trusted: frozenset[str]) -> bool:
    """Browsers say where a request comes from (Sec-Fetch-Site, else Origin); a client that
    says neither is not a browser page, so it is no drive-by."""
    origin = headers.get("origin")
    if origin is not None and origin.rstrip("/").lower() in trusted:
        return True
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.lower() in _SAME_ORIGIN_SITES
    if origin is None:
        return True
    return _authority(origin) == _strip_default_port(headers.get("host", ""), origin)


def _authority(origin: str) -> str | None:
    parts = urlsplit(origin.lower())
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return None  # "null" (sandboxed frames, file://) is never our origin
    return _strip_default_port(parts.netloc, origin)


def _strip_default_port(netloc: str, origin: str) -> str:
    port = _DEFAULT_PORTS.get(urlsplit(origin.lower()).scheme)
    netloc = netloc.lower()
    return netloc.removesuffix(f":{port}") if port else netloc


def _routed(scope: Scope) -> bool:
    """Whether a route takes this method at this path: for one that does not, the router's
    405 (with its Allow header) is the answer, not a complaint about the body."""
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", None)
    if routes is None:
        return True
    # endpoints only: the web client's mount at / takes every path and method
    return any(
        isinstance(route, Route) and route.matches(scope)[0] == Match.FULL for route in routes
    )


class DriveByGuardMiddleware:
    """403 for a cross-origin POST/PUT/PATCH/DELETE under /api/; 415 for a POST/PUT/PATCH
        there whose Content-Type is not JSON (except paths ending in one of `bodyless`, which take
    no body)."""

    def __init__(
        self, app: ASGIApp, *, trusted_origins: tuple[str, ...], bodyless: tuple[str, ...]
    ) -> None:
        self.app = app
        self.trusted = frozenset(o.rstrip("/").lower() for o in trusted_origins)
        self.bodyless = bodyless

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        if (
            scope["type"] != "http"
            or method not in _UNSAFE
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not same_origin(headers, self.trusted):
            await JSONResponse({"detail": CROSS_ORIGIN_DETAIL}, 403)(scope, receive, send)
            return
        needs_json = method in _BODY_METHODS and not scope["path"].endswith(self.bodyless)
        if needs_json and not is_json(headers.get("content-type")) and _routed(scope):
            await JSONResponse({"detail": NOT_JSON_DETAIL}, 415)(scope, receive, send)
            return
        await self.app(scope, receive, send)
