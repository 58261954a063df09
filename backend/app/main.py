"""App factory: API routes under /api, the LiveKit webhook, then the web client at /."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from livekit import api
from sqlalchemy.orm import sessionmaker

from app.api.routes import (
    agent,
    analytics,
    auth,
    client_metrics,
    conversations,
    experiments,
    file_contents,
    health,
    livekit_webhook,
    options,
    ratings,
    recordings,
    sessions,
    token,
)
from app.core import method_not_allowed, services
from app.core.agent_capacity import AgentCapacity, InProcessAgentCapacity
from app.core.config import Settings
from app.core.db import make_engine
from app.core.limits import BodySizeLimitMiddleware
from app.core.metrics import BackendMetrics, HttpMetricsMiddleware
from app.core.rate_limit import InProcessRateLimiter, RateLimiter
from app.core.redispatch import GHOST_LINGER_S, GIVE_UP_S, Redispatcher
from app.core.request_guard import DriveByGuardMiddleware
from app.core.session_registry import InProcessSessionRegistry, SessionRegistry
from app.log import RequestLogMiddleware
from app.recordings.retention import start_sweeps
from app.recordings.store import RecordingStore, open_store

BATCH_PATH_SUFFIX = "/messages:batch"
WEBHOOK_PATH = "/livekit/webhook"

_NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Voice assistant</title></head>
<body><h1>Web client not built</h1>
<p>web client not built: run `make web`, then reload this page.</p></body></html>
"""


def served_schema(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The OpenAPI schema with this deployment's limits: the catalog's ids as the only
    persona, voice and language a conversation may ask for, and the configured message length
    and batch size. The API refuses anything else, so the schema says so."""
    catalog = settings.catalog
    components = schema["components"]["schemas"]
    choices = {
        "persona": [p.id for p in catalog.personas],
        "voice": [v.id for v in catalog.voices],
        "language": list(catalog.languages),
    }
    for name, ids in choices.items():
        for branch in components["ConversationCreate"]["properties"][name]["anyOf"]:
            if branch.get("type") == "string":
                branch["enum"] = ids
    for body in ("MessageIn", "BatchMessageIn", "NoteIn"):
        components[body]["properties"]["text"]["maxLength"] = settings.max_message_chars
    components["MessageBatchIn"]["properties"]["messages"]["maxItems"] = settings.max_batch_messages
    return schema


def create_app(
    settings: Settings,
    *,
    livekit_transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: RateLimiter | None = None,
    login_limiter: RateLimiter | None = None,
    session_registry: SessionRegistry | None = None,
    agent_capacity: AgentCapacity | None = None,
    recording_store: RecordingStore | None = None,
) -> FastAPI:
    """Build the app; it expects a migrated database (`python -m app` migrates first).

    livekit_transport replaces the health probe's network; rate_limiter, login_limiter and
    session_registry, agent_capacity and recording_store replace the ones the settings
    choose (tests).
    """
    engine = make_engine(settings.database_url)
    metrics = BackendMetrics(enabled=settings.metrics_enabled)
    metrics.instrument_engine(engine)
    closers: list[Callable[[], None]] = [engine.dispose]
    max_age = settings.active_session_max_age_seconds
    report_ttl_s = settings.agent_report_ttl_seconds
    join_timeout_s = settings.agent_join_timeout_seconds
    if settings.redis_url:
        from app.core import redis as shared  # imports the client library only when configured

        client = shared.connect(settings.redis_url)
        closers.append(client.close)
        if rate_limiter is None:
            rate_limiter = shared.RedisRateLimiter(client, limit=settings.rate_limit_per_minute)
        if login_limiter is None:
            login_limiter = shared.RedisRateLimiter(
                client, limit=settings.login_rate_limit_per_minute, prefix="login"
            )
        if session_registry is None:
            session_registry = shared.RedisSessionRegistry(client, max_age_s=max_age)
        if agent_capacity is None:
            agent_capacity = shared.RedisAgentCapacity(
                client, report_ttl_s=report_ttl_s, join_timeout_s=join_timeout_s
            )
    session_registry = session_registry or InProcessSessionRegistry(max_age_s=max_age)
    agent_capacity = agent_capacity or InProcessAgentCapacity(
        report_ttl_s=report_ttl_s, join_timeout_s=join_timeout_s
    )
    metrics.watch_active_sessions(session_registry.count)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reconcile = start_redispatch(app, settings)
        held = services.services_of(app)
        async with start_sweeps(held.sessionmaker, held.recordings, settings.recording):
            yield
        if reconcile is not None:
            await reconcile.aclose()
        for close in closers:
            close()

    app = FastAPI(title="Voice assistant backend", version="0.1.0", lifespan=lifespan)
    services.attach(
        app,
        services.Services(
            settings=settings,
            sessionmaker=sessionmaker(engine, expire_on_commit=False),
            metrics=metrics,
            rate_limiter=rate_limiter or InProcessRateLimiter(limit=settings.rate_limit_per_minute),
            login_limiter=login_limiter
            or InProcessRateLimiter(limit=settings.login_rate_limit_per_minute),
            password_slots=threading.BoundedSemaphore(settings.max_concurrent_password_checks),
            session_registry=session_registry,
            agent_capacity=agent_capacity,
            livekit_transport=livekit_transport,
            recordings=recording_store or open_store(settings.recording),
        ),
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={
            BATCH_PATH_SUFFIX: settings.max_batch_body_bytes,
            WEBHOOK_PATH: settings.max_webhook_body_bytes,
            recordings.CHUNK_PATH_SUFFIX: settings.recording.chunk_body_bytes,
            file_contents.CONTENT_PATH_SUFFIX: (settings.max_file_bytes + 2) // 3 * 4 + 1024,
        },
    )
    app.add_middleware(
        DriveByGuardMiddleware,
        trusted_origins=settings.trusted_origins,
        bodyless=(
            "/api/auth/logout",
            conversations.HANG_UP_PATH_SUFFIX,
            *experiments.BODYLESS_PATH_SUFFIXES,
        ),
    )
    if settings.metrics_enabled:
        app.add_middleware(HttpMetricsMiddleware, metrics=metrics)

        @app.get("/metrics", include_in_schema=False)
        def prometheus_metrics() -> Response:
            return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    app.add_middleware(RequestLogMiddleware)  # outermost: its id covers every line
    method_not_allowed.install(app)

    app.include_router(auth.router, prefix="/api")
    app.include_router(options.router, prefix="/api")
    app.include_router(token.router, prefix="/api")
    app.include_router(conversations.router, prefix="/api")
    app.include_router(ratings.router, prefix="/api")
    app.include_router(experiments.router, prefix="/api")
    app.include_router(analytics.router, prefix="/api")
    app.include_router(client_metrics.router, prefix="/api")
    app.include_router(sessions.router, prefix="/api")
    app.include_router(recordings.router, prefix="/api")
    app.include_router(file_contents.router, prefix="/api")
    app.include_router(agent.router, prefix="/api")
    app.include_router(recordings.agent_router, prefix="/api")
    app.include_router(file_contents.agent_router, prefix="/api")
    app.include_router(health.router, prefix="/api")
    app.include_router(livekit_webhook.router, prefix="/livekit")

    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return app.openapi_schema or served_schema(plain_openapi(), settings)

    app.openapi = openapi  # type: ignore[method-assign]

    # Mounted last so /api/* and the docs routes match first.
    if settings.web_dist.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dist, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        def web_not_built() -> HTMLResponse:
            return HTMLResponse(_NOT_BUILT_PAGE, status_code=503)

    return app


class _Reconcile:
    def __init__(self, task: asyncio.Task[None], livekit: api.LiveKitAPI) -> None:
        self.task, self.livekit = task, livekit

    async def aclose(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.livekit.aclose()


def start_redispatch(app: FastAPI, settings: Settings) -> _Reconcile | None:
    """The periodic reconcile that gives a call whose agent vanished a new one."""
    if not settings.agent_redispatch_interval_seconds:
        return None
    livekit = api.LiveKitAPI(
        settings.livekit_url, settings.livekit_api_key, settings.livekit_api_secret
    )
    held = services.services_of(app)
    redispatcher = Redispatcher(
        settings,
        held.agent_capacity,
        held.sessionmaker,
        livekit,
        grace_s=settings.agent_redispatch_grace_seconds,
        # a room whose user is away is held until LiveKit closes it (the rejoin grace, after
        # a dead agent's participant is noticed gone: ~20 s)
        give_up_s=max(GIVE_UP_S, settings.rejoin_grace_seconds + GHOST_LINGER_S),
        report_ttl_s=settings.agent_report_ttl_seconds,  # a dead worker's agents are removed
    )
    task = asyncio.create_task(
        redispatcher.run(settings.agent_redispatch_interval_seconds, held.reconcile_wakeup)
    )
    return _Reconcile(task, livekit)
