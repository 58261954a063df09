"""Who is calling: API-key auth, the local no-login mode, the agent's service credential, and
the bind safety check."""

from __future__ import annotations

import hashlib
import secrets

from fastapi import HTTPException, status

from app.core.config import ConfigError, Settings, is_loopback_host

LOCAL_USER = "local"
INVALID_KEY_DETAIL = "missing or invalid API key"
HOST_NOT_ALLOWED_DETAIL = "host not allowed"
INVALID_AGENT_DETAIL = "missing or invalid agent service token"
AGENT_NOT_CONFIGURED_DETAIL = "agent service token not configured"


def check_exposure(settings: Settings) -> None:
    """Refuse a non-loopback bind without API keys (the token endpoint would be open)."""
    if not settings.api_keys and not settings.is_loopback:
        raise ConfigError(
            f"refusing to start: BACKEND_HOST={settings.host} is not a loopback address and "
            "BACKEND_API_KEYS is empty; set BACKEND_API_KEYS or bind to 127.0.0.1"
        )


def user_id_for_key(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:8]


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


def authenticate(settings: Settings, *, authorization: str | None, host_header: str | None) -> str:
    """Return the user id for a request, or raise 401/403."""
    presented = _bearer(authorization)
    if presented and _is_agent_token(settings, presented):
        # The agent's credential is for agent routes only, even where no login is needed.
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=INVALID_KEY_DETAIL,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if settings.api_keys:
        key = _match_key(presented, settings.api_keys) if presented else None
        if key is None:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail=INVALID_KEY_DETAIL,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user_id_for_key(key)
    if not settings.is_loopback:
        # check_exposure stops this at startup; fail closed if the app was built anyway.
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail=INVALID_KEY_DETAIL)
    # No-login mode trusts loopback peers only. A Host header that is not a loopback name means
    # a page on another origin reached us through DNS rebinding: refuse it.
    if host_header is None or not is_loopback_host(_hostname(host_header)):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=HOST_NOT_ALLOWED_DETAIL)
    return LOCAL_USER


def _is_agent_token(settings: Settings, presented: str) -> bool:
    expected = settings.agent_service_token
    return bool(expected) and secrets.compare_digest(presented.encode(), str(expected).encode())


def authenticate_agent(settings: Settings, *, authorization: str | None) -> None:
    """Admit only the agent worker's bearer token (user API keys never match it)."""
    expected = settings.agent_service_token
    if not expected:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, detail=AGENT_NOT_CONFIGURED_DETAIL
        )
    presented = _bearer(authorization)
    if presented is None or not _is_agent_token(settings, presented):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail=INVALID_AGENT_DETAIL,
            headers={"WWW-Authenticate": "Bearer"},
        )


def _hostname(host_header: str) -> str:
    """Strip the port from a Host header value ("[::1]:8000" -> "::1", "a:80" -> "a")."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
