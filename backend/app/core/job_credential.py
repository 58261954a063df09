"""The credential of one agent job: it opens the agent routes of one conversation (its room)
and that conversation's user's notes, nothing else.

The backend mints it into the dispatch metadata it sets for the agent (POST /api/token,
POST /api/conversations, and a fresh one on every redispatch), so a job never needs the
worker's service token for a conversation. A JWT (HS256) whose key is derived from
AGENT_SERVICE_TOKEN: only the backend and the worker know it. The caller's room token
carries the dispatch metadata too, so the user can read this credential: it opens nothing
of theirs they could not already read, and nobody else's.

What it does not do yet: contain a compromised job process. Job processes inherit the
worker's environment, service token included, and the key is derived from that token; a
backend-only key (a new secret) and workers that keep the token from their job processes
would (docs/security.md, the open V4.2 row).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt

from app.core.config import Settings
from app.models import Conversation

AUDIENCE = "va-agent-job"
ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class JobScope:
    conversation_id: str
    room_name: str
    user_id: str


def _key(service_token: str) -> bytes:
    return hmac.new(service_token.encode(), b"va-agent-job-credential-v1", hashlib.sha256).digest()


def mint(settings: Settings, scope: JobScope, *, now: float | None = None) -> str | None:
    """A credential for ``scope``; None when no service token is configured (the agent
    routes are closed then anyway)."""
    if not settings.agent_service_token:
        return None
    issued = int(time.time() if now is None else now)
    claims = {
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + settings.agent_job_credential_ttl_seconds,
        "cid": scope.conversation_id,
        "room": scope.room_name,
        "uid": scope.user_id,
    }
    return jwt.encode(claims, _key(settings.agent_service_token), algorithm=ALGORITHM)


def for_conversation(settings: Settings, conversation: Conversation) -> str | None:
    return mint(
        settings,
        JobScope(str(conversation.id), conversation.room_name, conversation.user_id),
    )


def verify(settings: Settings, token: str) -> JobScope | None:
    """The scope of a valid, unexpired credential; None for anything else."""
    if not settings.agent_service_token or token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(
            token,
            _key(settings.agent_service_token),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "aud", "cid", "room", "uid"]},
        )
    except jwt.PyJWTError:
        return None
    values = (claims["cid"], claims["room"], claims["uid"])
    if not all(isinstance(v, str) and v for v in values):
        return None
    return JobScope(*values)
