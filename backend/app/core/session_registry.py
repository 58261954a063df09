"""Active sessions (room, user, start), for va_backend_active_sessions and
GET /api/sessions/active. Recorded when a conversation is created and from LiveKit webhooks
(room_started, participant_joined add; room_finished removes: a user who left may rejoin,
and their agent waits for them, so the call still counts). In process
here, or in Redis (app.core.redis.RedisSessionRegistry) so every replica sees the same set.
An entry older than the max age is dropped, in case its room_finished never came.

An entry is ``joined`` once a webhook says the user's room started or the user joined it;
until then it is a token nobody has used yet. The per-user call limit (live_calls) counts a
joined entry, and one not joined yet only while its token can still be used."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from app.core.rate_limit import Clock
from app.log import logger


@dataclass(frozen=True, slots=True)
class ActiveSession:
    room_name: str
    user_id: str
    started_at: dt.datetime
    joined: bool = False


class SessionRegistryUnavailable(Exception):
    """The shared store could not be reached."""


class SessionRegistry(Protocol):
    def start(
        self, room_name: str, *, user: str, started_at: dt.datetime, joined: bool = False
    ) -> None:
        """Add the room (the first start wins); ``joined`` marks an existing one joined too."""
        ...

    def end(self, room_name: str) -> None: ...

    def count(self) -> int: ...

    def for_user(self, user: str) -> list[ActiveSession]: ...


class InProcessSessionRegistry:
    def __init__(self, *, max_age_s: float, clock: Clock = time.time) -> None:
        self._max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, ActiveSession] = {}

    def start(
        self, room_name: str, *, user: str, started_at: dt.datetime, joined: bool = False
    ) -> None:
        with self._lock:
            entry = self._sessions.setdefault(
                room_name, ActiveSession(room_name, user, started_at, joined)
            )
            if joined and not entry.joined:
                self._sessions[room_name] = dataclasses.replace(entry, joined=True)

    def end(self, room_name: str) -> None:
        with self._lock:
            self._sessions.pop(room_name, None)

    def _live(self) -> list[ActiveSession]:
        oldest = self._clock() - self._max_age_s
        with self._lock:
            for room in [r for r, s in self._sessions.items() if s.started_at.timestamp() < oldest]:
                del self._sessions[room]
            return list(self._sessions.values())

    def count(self) -> int:
        return len(self._live())

    def for_user(self, user: str) -> list[ActiveSession]:
        return sorted((s for s in self._live() if s.user_id == user), key=lambda s: s.started_at)


def live_calls(sessions: list[ActiveSession], *, now: float, unused_token_s: float) -> int:
    """The calls among ``sessions`` that hold (or may still hold) an agent: joined ones, and
    ones whose token, issued ``unused_token_s`` or less ago, may still be used."""
    return sum(1 for s in sessions if s.joined or s.started_at.timestamp() > now - unused_token_s)


def note_started(
    registry: SessionRegistry,
    room_name: str,
    *,
    user: str,
    started_at: dt.datetime,
    joined: bool = False,
) -> None:
    """Record a start; a store outage is logged, never fails the request that caused it."""
    try:
        registry.start(room_name, user=user, started_at=started_at, joined=joined)
    except SessionRegistryUnavailable:
        logger.warning("session registry unavailable", exc_info=True)


def note_ended(registry: SessionRegistry, room_name: str) -> None:
    try:
        registry.end(room_name)
    except SessionRegistryUnavailable:
        logger.warning("session registry unavailable", exc_info=True)
