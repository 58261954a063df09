"""The credential of one agent job: it opens the agent routes of one conversation (its room)
and that conversation's user's notes, nothing else.

The backend mints it into the dispatch metadata it sets for the agent (POST /api/token,
POST /api/conversations, and a fresh one on every redispatch), so a job never needs the
worker's service token, which opens no conversation at all. A JWT (HS256) signed with a key
derived from BACKEND_JOB_CREDENTIAL_SECRET, which only the backend holds: neither the worker
nor its job processes can mint one. The caller's room token carries the dispatch metadata
too, so the user can read this credential: it opens nothing of theirs they could not already
read, and nobody else's.

Past its expiry a credential still writes its own conversation's messages and events for
``agent_job_credential_write_grace_seconds`` (``JobScope.expired``): the worker replays the
journaled writes of a job that died with the job's credential, after a backend outage too.
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
_KEY_LABEL = b"va-agent-job-credential-v2"


@dataclass(frozen=True, slots=True)
class JobScope:
    conversation_id: str
    room_name: str
    user_id: str
    # past its expiry but within the write grace: only its conversation's journal writes
    expired: bool = False


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def mint(settings: Settings, scope: JobScope, *, now: float | None = None) -> str | None:
    """A credential for ``scope``; None when the agent routes are off (no secret)."""
    if not settings.job_credential_secret:
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
    return jwt.encode(claims, _key(settings.job_credential_secret), algorithm=ALGORITHM)


def for_conversation(settings: Settings, conversation: Conversation) -> str | None:
    return mint(
        settings,
        JobScope(str(conversation.id), conversation.room_name, conversation.user_id),
    )


def verify(settings: Settings, token: str, *, now: float | None = None) -> JobScope | None:
    """The scope of a credential this backend signed that has not expired, or expired less
    than the write grace ago (``expired`` set); None for anything else."""
    if not settings.job_credential_secret or token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(
            token,
            _key(settings.job_credential_secret),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "aud", "cid", "room", "uid"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    values = (claims["cid"], claims["room"], claims["uid"])
    expires = claims["exp"]
    if not all(isinstance(v, str) and v for v in values) or not isinstance(expires, int):
        return None
    at = time.time() if now is None else now
    if at >= expires + settings.agent_job_credential_write_grace_seconds:
        return None
    return JobScope(*values, expired=at >= expires)
