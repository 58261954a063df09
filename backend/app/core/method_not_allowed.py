"""405 for a method the path does not take, naming the methods it does (RFC 9110 15.5.6).

Starlette answers 405 from the first route whose path matches, so `Allow` listed only that
route's methods (GET for a path that also takes DELETE); and with the web client mounted at /,
a request that no API route takes fell through to the static files, which answered 404 (GET
on a POST-only path) or 405 with no `Allow` at all.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match, Route

STATIC_METHODS = frozenset({"GET", "HEAD"})


def api_methods(app: FastAPI, request: Request) -> set[str]:
    """The methods of every API route whose path matches the request's."""
    methods: set[str] = set()
    for route in app.router.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods or set()
    return methods


def install(app: FastAPI) -> None:
    async def not_found_or_not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        allowed = api_methods(app, request)
        if allowed and request.method not in allowed:
            exc = HTTPException(405, headers={**(exc.headers or {})})
        elif exc.status_code == 405:  # the static files: a path no API route takes
            allowed = set(STATIC_METHODS)
        else:
            return await http_exception_handler(request, exc)
        headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
        return await http_exception_handler(request, HTTPException(405, exc.detail, headers))

    app.add_exception_handler(404, not_found_or_not_allowed)
    app.add_exception_handler(405, not_found_or_not_allowed)
