"""What one app holds for its routes, built once by ``create_app``: routes get each part
through the typed dependencies in ``app.api.deps``, never from ``app.state`` directly."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from app.core.agent_capacity import AgentCapacity
from app.core.config import Settings
from app.core.metrics import BackendMetrics
from app.core.rate_limit import RateLimiter
from app.core.session_registry import SessionRegistry
from app.core.wakeup import Wakeup
from app.recordings.store import RecordingStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessionmaker: sessionmaker[Session]
    metrics: BackendMetrics
    rate_limiter: RateLimiter  # requests per minute of each signed-in caller
    login_limiter: RateLimiter  # sign-in attempts per address and per user name
    password_slots: threading.BoundedSemaphore  # argon2 checks at once (64 MiB each)
    session_registry: SessionRegistry
    agent_capacity: AgentCapacity
    livekit_transport: httpx.AsyncBaseTransport | None  # the health probe's (tests replace it)
    recordings: RecordingStore  # call recordings' bytes (a folder, or S3)
    # a user joined a call: the reconcile looks at once (app.core.redispatch)
    reconcile_wakeup: Wakeup = field(default_factory=Wakeup)


def attach(app: Starlette, services: Services) -> None:
    app.state.services = services


def services_of(app: Starlette) -> Services:
    """The app's services; an app not built by ``create_app`` has none (a clear error)."""
    services = getattr(app.state, "services", None)
    if not isinstance(services, Services):
        raise RuntimeError("this app was not built by app.main.create_app")
    return services
