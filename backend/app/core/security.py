"""Who is calling: API keys, sign-in sessions (cookie), the local no-login mode, the agent's
service credential, and the bind safety check."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from app import accounts
from app.core import job_credential
from app.core.config import ConfigError, Settings, is_loopback_host
from app.core.job_credential import JobScope
from app.models import utcnow

LOCAL_USER = "local"
SESSION_COOKIE = "va_session"
DEVICE_COOKIE = "va_device"
DEVICE_COOKIE_MAX_AGE_S = 365 * 86400
NOT_AUTHENTICATED_DETAIL = "not signed in or invalid API key"
HOST_NOT_ALLOWED_DETAIL = "host not allowed"
LOOPBACK_ONLY_DETAIL = "without sign-in only loopback connections are served"
# Headers a reverse proxy adds: the request did not come from the loopback peer itself.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")
INVALID_AGENT_DETAIL = "missing or invalid agent service token"
OUT_OF_SCOPE_DETAIL = "this job's credential is for another conversation"
WORKER_ONLY_DETAIL = "only the worker's service token may do this"
JOB_ONLY_DETAIL = "the worker's service token opens no conversation: use the job's credential"
EXPIRED_CREDENTIAL_DETAIL = "this job's credential has expired"
AGENT_NOT_CONFIGURED_DETAIL = "agent service token not configured"


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: str
    name: str
    operator: bool = False
    """May read everyone's aggregates (analytics) and manage experiments: a user whose role is
    operator, or the local user of the no-login mode (whoever runs the box)."""


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a request came from: the socket's two ends (as the server accepted it), the
    Host header, and whether a proxy forwarded it."""

    peer: str | None
    local: str | None
    host_header: str | None
    proxied: bool

    def is_local(self) -> bool:
        return all(address and is_loopback_host(address) for address in (self.peer, self.local))


def check_exposure(settings: Settings, *, has_users: bool) -> None:
    """Refuse a non-loopback bind that nobody has to sign in to (the token endpoint would be
    open)."""
    if not settings.api_keys and not has_users and not settings.is_loopback:
        raise ConfigError(
            f"refusing to start: BACKEND_HOST={settings.host} is not a loopback address and "
            "there are no users or BACKEND_API_KEYS; add a user (python -m app users add NAME), "
            "set BACKEND_API_KEYS or bind to 127.0.0.1"
        )


def needs_database_for_exposure(settings: Settings) -> bool:
    """Whether check_exposure depends on the users table (else has_users does not matter)."""
    return not settings.api_keys and not settings.is_loopback


def user_id_for_key(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:8]


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def device_marker(settings: Settings, user_id: str) -> str:
    """What a browser the user signed in from keeps (cookie va_device): an HMAC of the user
    id under a key derived from the server's LiveKit secret, so nobody else can make one."""
    key = hashlib.sha256(b"va-device:" + settings.livekit_api_secret.encode()).digest()
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


def is_device_of(settings: Settings, user_id: str, marker: str | None) -> bool:
    expected = device_marker(settings, user_id)
    return bool(marker) and secrets.compare_digest(str(marker).encode(), expected.encode())


def login_required(settings: Settings, session: Session) -> bool:
    """False only in the local no-login mode: loopback, no keys, no users, not forced."""
    if settings.api_keys or settings.require_login or not settings.is_loopback:
        return True
    return accounts.any_user(session)


def _match_key(presented: str, keys: tuple[str, ...]) -> str | None:
    # Compare against every key so timing does not reveal which one (or how many) exist.
    found: str | None = None
    for key in keys:
        if secrets.compare_digest(presented.encode(), key.encode()):
            found = key
    return found


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _unauthenticated() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=NOT_AUTHENTICATED_DETAIL,
        headers={"WWW-Authenticate": "Bearer"},
    )


def authenticate(
    settings: Settings,
    session: Session,
    *,
    authorization: str | None,
    connection: Connection,
    session_token: str | None,
) -> AuthUser:
    """The caller by API key, then by session cookie, else the local user where no login is
    needed (a loopback connection, not proxied); raise 401/403 otherwise."""
    presented = _bearer(authorization)
    if presented and _is_agent_token(settings, presented):
        # The agent's credential is for agent routes only, even where no login is needed.
        raise _unauthenticated()
    if presented and settings.api_keys:
        key = _match_key(presented, settings.api_keys)
        if key is None:
            raise _unauthenticated()
        user_id = user_id_for_key(key)
        return AuthUser(id=user_id, name=user_id)
    if session_token and len(session_token) <= 128:
        user = accounts.session_user(
            session, token_hash=hash_session_token(session_token), now=utcnow()
        )
        if user is not None:
            return AuthUser(id=user.id, name=user.name, operator=user.role == "operator")
    if login_required(settings, session):
        raise _unauthenticated()
    # No-login mode trusts loopback peers only: by the socket, whatever address the server was
    # told to bind, and never through a proxy (which would hand it anyone's request).
    if connection.proxied or not connection.is_local():
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=LOOPBACK_ONLY_DETAIL)
    # A Host header that is not a loopback name means a page on another origin reached us
    # through DNS rebinding: refuse it.
    host_header = connection.host_header
    if host_header is None or not is_loopback_host(_hostname(host_header)):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=HOST_NOT_ALLOWED_DETAIL)
    return AuthUser(id=LOCAL_USER, name=LOCAL_USER, operator=True)


def _is_agent_token(settings: Settings, presented: str) -> bool:
    expected = settings.agent_service_token
    return bool(expected) and secrets.compare_digest(presented.encode(), str(expected).encode())


def authenticate_agent(settings: Settings, *, authorization: str | None) -> JobScope | None:
    """Admit the agent worker's bearer token (None: the worker, for worker-level routes) or
    a job's credential (its scope: one conversation; ``expired`` within the write grace);
    user API keys never match either."""
    expected = settings.agent_service_token
    if not expected:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=AGENT_NOT_CONFIGURED_DETAIL
        )
    presented = _bearer(authorization)
    if presented is not None and _is_agent_token(settings, presented):
        return None
    scope = job_credential.verify(settings, presented) if presented else None
    if scope is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=INVALID_AGENT_DETAIL,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return scope


def _hostname(host_header: str) -> str:
    """Strip the port from a Host header value ("[::1]:8000" -> "::1", "a:80" -> "a")."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
