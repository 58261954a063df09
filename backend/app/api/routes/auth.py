"""/api/auth: sign in with a name and password for a server-side session (cookie va_session),
sign out, and ask whether a sign-in is needed. API keys keep working beside it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Cookie, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from app import accounts
from app.api.deps import (
    BODY_ERRORS,
    RATE_LIMITED_DETAIL,
    RATE_LIMITER_DOWN_DETAIL,
    ConnectionDep,
    LoginLimiterDep,
    PasswordSlotsDep,
    SessionDep,
    SettingsDep,
    check_rate,
)
from app.core.passwords import hash_password, needs_rehash, verify_password
from app.core.security import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE_S,
    SESSION_COOKIE,
    AuthUser,
    authenticate,
    device_marker,
    hash_session_token,
    is_device_of,
    login_required,
    new_session_token,
)
from app.log import logger
from app.models import utcnow

router = APIRouter(prefix="/auth", tags=["auth"])

INVALID_LOGIN_DETAIL = "invalid username or password"
SIGN_IN_BUSY_DETAIL = "too many sign-ins at once, retry"
PASSWORD_SLOT_WAIT_S = 5.0


@contextmanager
def password_slot(slots: threading.BoundedSemaphore) -> Iterator[None]:
    """One of BACKEND_MAX_CONCURRENT_PASSWORD_CHECKS (argon2id takes 64 MiB and ~50 ms of CPU
    each); 503 if none frees up in time, rather than one thread and 64 MiB per attempt."""
    if not slots.acquire(timeout=PASSWORD_SLOT_WAIT_S):
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, SIGN_IN_BUSY_DETAIL, {"Retry-After": "1"}
        )
    try:
        yield
    finally:
        slots.release()


_Cookie = Annotated[str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)]


class UserOut(BaseModel):
    id: str
    name: str
    operator: bool = Field(
        default=False, description="May see everyone's analytics and manage experiments."
    )


class SessionInfo(BaseModel):
    auth_required: bool
    user: UserOut | None


class LoginIn(BaseModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginOut(BaseModel):
    user: UserOut


@router.get("/session")
def read_session(
    settings: SettingsDep,
    session: SessionDep,
    connection: ConnectionDep,
    va_session: _Cookie = None,
    authorization: Annotated[str | None, Header()] = None,
) -> SessionInfo:
    """Whether this server needs a sign-in, and who the caller is (null: nobody yet)."""
    try:
        user: AuthUser | None = authenticate(
            settings,
            session,
            authorization=authorization,
            connection=connection,
            session_token=va_session,
        )
    except HTTPException:
        user = None
    return SessionInfo(
        auth_required=login_required(settings, session),
        user=UserOut(id=user.id, name=user.name, operator=user.operator) if user else None,
    )


@router.post(
    "/login",
    responses={
        **BODY_ERRORS,
        401: {"description": INVALID_LOGIN_DETAIL},
        429: {"description": RATE_LIMITED_DETAIL},
        503: {"description": f"{RATE_LIMITER_DOWN_DETAIL} | {SIGN_IN_BUSY_DETAIL}"},
    },
)
def login(
    body: LoginIn,
    settings: SettingsDep,
    session: SessionDep,
    limiter: LoginLimiterDep,
    password_slots: PasswordSlotsDep,
    request: Request,
    response: Response,
    va_device: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> LoginOut:
    """Check the password and start a session: sets the HttpOnly cookie va_session, and
    va_device, which marks this browser as one the user signed in from before."""
    check_rate(limiter, f"ip:{request.client.host if request.client else '-'}")
    user = accounts.get_user_by_name(session, name=body.username)
    # The per-name budget slows guessing from many addresses; a browser the user signed in
    # from before is spared it, so guessing a name cannot lock its owner out.
    if not (user and is_device_of(settings, user.id, va_device)):
        check_rate(limiter, f"name:{body.username.lower()}")
    with password_slot(password_slots):
        if not verify_password(user.password_hash if user else None, body.password) or not user:
            logger.info("login refused")
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, INVALID_LOGIN_DETAIL)
        if needs_rehash(user.password_hash):
            new_hash = hash_password(body.password)
            accounts.set_password_hash(session, user=user, password_hash=new_hash)
    token = new_session_token()
    ttl = dt.timedelta(seconds=settings.session_ttl_seconds)
    accounts.create_session(
        session, user_id=user.id, token_hash=hash_session_token(token), expires_at=utcnow() + ttl
    )
    session.commit()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.set_cookie(
        DEVICE_COOKIE,
        device_marker(settings, user.id),
        max_age=DEVICE_COOKIE_MAX_AGE_S,
        path="/api/auth/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.headers["Cache-Control"] = "no-store"
    logger.info("signed in", extra={"user": user.id})
    return LoginOut(user=UserOut(id=user.id, name=user.name, operator=user.role == "operator"))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    session: SessionDep, request: Request, response: Response, va_session: _Cookie = None
) -> None:
    """End the caller's session (if any) and clear the cookie."""
    if va_session and len(va_session) <= 128:
        accounts.delete_session(session, token_hash=hash_session_token(va_session))
        session.commit()
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
