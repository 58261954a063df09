"""Shared route dependencies: the app's services as typed aliases (settings, the database
session, metrics, limiters, registries), and the caller (user or agent). Routes take these,
never ``request.app.state``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Cookie, Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from app.core.agent_capacity import AgentCapacity, CapacityUnavailable
from app.core.config import Settings
from app.core.job_credential import JobScope
from app.core.limits import TOO_LARGE_DETAIL
from app.core.metrics import BackendMetrics
from app.core.rate_limit import RateLimiter, RateLimiterUnavailable
from app.core.request_guard import CROSS_ORIGIN_DETAIL, NOT_JSON_DETAIL
from app.core.security import (
    EXPIRED_CREDENTIAL_DETAIL,
    HOST_NOT_ALLOWED_DETAIL,
    JOB_ONLY_DETAIL,
    LOOPBACK_ONLY_DETAIL,
    NOT_AUTHENTICATED_DETAIL,
    PROXY_HEADERS,
    WORKER_ONLY_DETAIL,
    AuthUser,
    Connection,
    authenticate,
    authenticate_agent,
)
from app.core.services import Services, services_of
from app.core.session_registry import (
    SessionRegistry,
    SessionRegistryUnavailable,
    live_calls,
    note_started,
)
from app.log import logger
from app.models import Conversation
from app.recordings.store import RecordingStore

RATE_LIMITED_DETAIL = "rate limit exceeded"
RATE_LIMITER_DOWN_DETAIL = "rate limiter unavailable"
# FastAPI's answer to a body that is not JSON (or not UTF-8) where a JSON body is expected.
MALFORMED_BODY_DETAIL = "There was an error parsing the body"
# Any route may answer these to a body it cannot take (BodySizeLimitMiddleware: 413), and a
# state-changing one to a browser page of another origin (DriveByGuardMiddleware: 403, 415).
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": MALFORMED_BODY_DETAIL},
    403: {"description": CROSS_ORIGIN_DETAIL},
    413: {"description": TOO_LARGE_DETAIL},
    415: {"description": NOT_JSON_DETAIL},
}
# What any route behind CurrentUser may answer, for the OpenAPI schema.
USER_ERRORS: dict[int | str, dict[str, Any]] = {
    **BODY_ERRORS,
    401: {"description": NOT_AUTHENTICATED_DETAIL},
    403: {
        "description": f"{HOST_NOT_ALLOWED_DETAIL} | {LOOPBACK_ONLY_DETAIL} | {CROSS_ORIGIN_DETAIL}"
    },
    429: {"description": RATE_LIMITED_DETAIL},
    503: {"description": RATE_LIMITER_DOWN_DETAIL},
}


def get_services(request: Request) -> Services:
    return services_of(request.app)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """One session per request; a route that writes commits it, anything else rolls back."""
    with services.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_metrics(services: ServicesDep) -> BackendMetrics:
    return services.metrics


MetricsDep = Annotated[BackendMetrics, Depends(get_metrics)]


def get_session_registry(services: ServicesDep) -> SessionRegistry:
    return services.session_registry


SessionRegistryDep = Annotated[SessionRegistry, Depends(get_session_registry)]


def get_agent_capacity(services: ServicesDep) -> AgentCapacity:
    return services.agent_capacity


AgentCapacityDep = Annotated[AgentCapacity, Depends(get_agent_capacity)]


def get_recording_store(services: ServicesDep) -> RecordingStore:
    return services.recordings


RecordingStoreDep = Annotated[RecordingStore, Depends(get_recording_store)]


def get_login_limiter(services: ServicesDep) -> RateLimiter:
    return services.login_limiter


LoginLimiterDep = Annotated[RateLimiter, Depends(get_login_limiter)]


def get_password_slots(services: ServicesDep) -> threading.BoundedSemaphore:
    return services.password_slots


PasswordSlotsDep = Annotated[threading.BoundedSemaphore, Depends(get_password_slots)]


def connection_of(request: Request) -> Connection:
    """The socket's two ends as the server accepted the connection (not what headers say)."""
    client, server = request.scope.get("client"), request.scope.get("server")
    return Connection(
        peer=client[0] if client else None,
        local=server[0] if server else None,
        host_header=request.headers.get("host"),
        proxied=any(name in request.headers for name in PROXY_HEADERS),
    )


ConnectionDep = Annotated[Connection, Depends(connection_of)]


def get_current_account(
    services: ServicesDep,
    session: SessionDep,
    connection: ConnectionDep,
    authorization: Annotated[str | None, Header()] = None,
    va_session: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> AuthUser:
    """The authenticated user, counted against their requests-per-minute budget."""
    user = authenticate(
        services.settings,
        session,
        authorization=authorization,
        connection=connection,
        session_token=va_session,
    )
    check_rate(services.rate_limiter, user.id)
    return user


CurrentAccount = Annotated[AuthUser, Depends(get_current_account)]


def get_current_user(account: CurrentAccount) -> str:
    return account.id


CurrentUser = Annotated[str, Depends(get_current_user)]

OPERATOR_ONLY_DETAIL = "only an operator may do this (python -m app users role NAME operator)"


def require_operator(account: CurrentAccount) -> AuthUser:
    if not account.operator:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OPERATOR_ONLY_DETAIL)
    return account


OperatorAccount = Annotated[AuthUser, Depends(require_operator)]


def check_rate(limiter: RateLimiter, key: str) -> None:
    """429 with Retry-After once `key` is over its budget; 503 if the shared store is down."""
    try:
        decision = limiter.hit(key)
    except RateLimiterUnavailable:
        logger.warning("rate limiter unavailable", exc_info=True)
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=RATE_LIMITER_DOWN_DETAIL
        ) from None
    if not decision.allowed:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=RATE_LIMITED_DETAIL,
            headers={"Retry-After": str(decision.retry_after_s)},
        )


def require_agent(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> JobScope | None:
    """None for the worker's service token, the scope for a job's credential."""
    return authenticate_agent(settings, authorization=authorization)


AgentCaller = Annotated[JobScope | None, Depends(require_agent)]


def require_job_writer(caller: AgentCaller) -> JobScope:
    """A job's credential, also one expired within the write grace (the worker replays a
    gone job's journaled writes with it); the worker's service token opens no conversation."""
    if caller is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, JOB_ONLY_DETAIL)
    return caller


JournalWriter = Annotated[JobScope, Depends(require_job_writer)]


def require_job(caller: JournalWriter) -> JobScope:
    """A job's credential that has not expired: reads, notes, anything but journal writes."""
    if caller.expired:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            EXPIRED_CREDENTIAL_DETAIL,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


JobCaller = Annotated[JobScope, Depends(require_job)]


def require_worker(caller: AgentCaller) -> None:
    """The worker's service token: a job's credential is refused (403)."""
    if caller is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, WORKER_ONLY_DETAIL)


WorkerCaller = Annotated[None, Depends(require_worker)]


def token_issued(services: Services, conversation: Conversation, *, created: bool) -> None:
    """Count a token handed out; a new room also becomes an active session."""
    services.metrics.token_issued()
    if created:
        note_started(
            services.session_registry,
            conversation.room_name,
            user=conversation.user_id,
            started_at=conversation.started_at,
        )


TOO_MANY_CALLS_DETAIL = "too many calls at once: end one first"
AGENTS_BUSY_DETAIL = "all agents are busy: try again in a few seconds"
NO_AGENT_DETAIL = "no agent is running: try again in a few seconds"
NO_AGENT_ERRORS: dict[int | str, dict[str, Any]] = {
    429: {"description": f"{RATE_LIMITED_DETAIL} | {TOO_MANY_CALLS_DETAIL}"},
    503: {"description": f"{RATE_LIMITER_DOWN_DETAIL} | {AGENTS_BUSY_DETAIL} | {NO_AGENT_DETAIL}"},
}


def admit_new_call(
    services: Services, settings: Settings, session: Session, conversation: Conversation
) -> None:
    """Hold an agent's call for a new room, or undo the conversation and answer 503 with
    Retry-After, so that the caller hears "busy" at once instead of a silent room. A capacity
    store that cannot be reached admits the call (logged). A user who already holds
    ``max_calls_per_user`` calls is refused first (429), so one user cannot take every agent."""
    check_user_calls(services.session_registry, settings, session, conversation.user_id)
    if not settings.agent_capacity_check:
        return
    capacity = services.agent_capacity
    try:
        if capacity.admit(conversation.room_name, settings.agent_name):
            return
        workers = capacity.workers(settings.agent_name)
    except CapacityUnavailable:
        logger.warning("agent capacity unknown: admitting the call", exc_info=True)
        return
    session.rollback()
    logger.info("call refused: no agent free", extra={"workers": len(workers)})
    raise HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        AGENTS_BUSY_DETAIL if workers else NO_AGENT_DETAIL,
        headers={"Retry-After": str(settings.busy_retry_after_seconds)},
    )


def check_user_calls(
    registry: SessionRegistry, settings: Settings, session: Session, user: str
) -> None:
    """429 (the new conversation undone) when ``user`` already holds their most calls at
    once. Two requests at the same instant may both pass (one call over, not more per
    request). A registry that cannot be reached lets the call through (logged)."""
    try:
        sessions = registry.for_user(user)
    except SessionRegistryUnavailable:
        logger.warning("session registry unavailable: call not counted", exc_info=True)
        return
    held = live_calls(sessions, now=time.time(), unused_token_s=settings.token_ttl_seconds)
    if held < settings.max_calls_per_user:
        return
    session.rollback()
    logger.info("call refused: too many at once", extra={"calls": held})
    raise HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        TOO_MANY_CALLS_DETAIL,
        headers={"Retry-After": str(settings.busy_retry_after_seconds)},
    )


def release_call(capacity: AgentCapacity, room_name: str) -> None:
    """Free the call held for ``room_name`` (its conversation is gone)."""
    try:
        capacity.release(room_name)
    except CapacityUnavailable:
        logger.warning("agent capacity unknown: the held call lapses by itself", exc_info=True)
