"""App factory: API routes under /api, the LiveKit webhook, then the web client at /."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker

from app.api.routes import agent, conversations, health, livekit_webhook, token
from app.core.config import Settings
from app.core.db import make_engine
from app.core.limits import BodySizeLimitMiddleware
from app.core.rate_limit import InProcessRateLimiter, RateLimiter

_NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voice assistant</title></head>
<body><h1>Web client not built</h1>
<p>web client not built: run `make web`, then reload this page.</p></body></html>
"""


def create_app(
    settings: Settings,
    *,
    livekit_transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the app; it expects a migrated database (`python -m app` migrates first).

    livekit_transport replaces the health probe's network and rate_limiter the one the
    settings choose (tests).
    """
    engine = make_engine(settings.database_url)
    closers: list[Callable[[], None]] = [engine.dispose]
    if rate_limiter is None and settings.redis_url:
        from app.core import redis as shared  # imports the client library only when configured

        client = shared.connect(settings.redis_url)
        closers.append(client.close)
        rate_limiter = shared.RedisRateLimiter(client, limit=settings.rate_limit_per_minute)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for close in closers:
            close()

    app = FastAPI(title="Voice assistant backend", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.livekit_transport = livekit_transport
    app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
    app.state.rate_limiter = rate_limiter or InProcessRateLimiter(
        limit=settings.rate_limit_per_minute
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)

    app.include_router(token.router, prefix="/api")
    app.include_router(conversations.router, prefix="/api")
    app.include_router(agent.router, prefix="/api")
    app.include_router(health.router, prefix="/api")
    app.include_router(livekit_webhook.router, prefix="/livekit")

    # Mounted last so /api/* and the docs routes match first.
    if settings.web_dist.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dist, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        def web_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT_PAGE, status_code=503)

    return app
