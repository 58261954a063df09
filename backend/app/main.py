"""App factory: API routes under /api, then the built web client at /."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.api.routes import health, token
from app.core.config import Settings
from app.core.limits import BodySizeLimitMiddleware

_NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voice assistant</title></head>
<body><h1>Web client not built</h1>
<p>web client not built: run `make web`, then reload this page.</p></body></html>
"""


def create_app(
    settings: Settings, *, livekit_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app. livekit_transport replaces the health probe's network (tests)."""
    app = FastAPI(title="Voice assistant backend", version="0.1.0")
    app.state.settings = settings
    app.state.livekit_transport = livekit_transport
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)

    app.include_router(token.router, prefix="/api")
    app.include_router(health.router, prefix="/api")

    # Mounted last so /api/* and the docs routes match first.
    if settings.web_dist.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dist, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        def web_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT_PAGE, status_code=503)

    return app
