"""Shared route dependencies: settings, the database session, the caller (user or agent)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.rate_limit import RateLimiter, RateLimiterUnavailable
from app.core.security import (
    HOST_NOT_ALLOWED_DETAIL,
    INVALID_KEY_DETAIL,
    authenticate,
    authenticate_agent,
)
from app.log import logger

RATE_LIMITED_DETAIL = "rate limit exceeded"
RATE_LIMITER_DOWN_DETAIL = "rate limiter unavailable"
# What any route behind CurrentUser may answer, for the OpenAPI schema.
USER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": INVALID_KEY_DETAIL},
    403: {"description": HOST_NOT_ALLOWED_DETAIL},
    429: {"description": RATE_LIMITED_DETAIL},
    503: {"description": RATE_LIMITER_DOWN_DETAIL},
}


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; a route that writes commits it, anything else rolls back."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(
    settings: SettingsDep,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    host: Annotated[str | None, Header()] = None,
) -> str:
    """The authenticated user, counted against their requests-per-minute budget."""
    user = authenticate(settings, authorization=authorization, host_header=host)
    limiter: RateLimiter = request.app.state.rate_limiter
    try:
        decision = limiter.hit(user)
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
    return user


CurrentUser = Annotated[str, Depends(get_current_user)]


def require_agent(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    authenticate_agent(settings, authorization=authorization)
