"""Redis, when REDIS_URL is set: state shared by every backend replica. Imported only then."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import cast

import redis

from app.core.agent_capacity import CapacityUnavailable, WorkerReport, admitted
from app.core.rate_limit import WINDOW_S, Clock, Decision, RateLimiterUnavailable, window
from app.core.session_registry import ActiveSession, SessionRegistryUnavailable

CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 1.0


def connect(redis_url: str) -> redis.Redis:
    """A lazily connecting client; nothing touches the network until the first command."""
    return redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        health_check_interval=30,
    )


def _text(value: bytes | str) -> str:
    """Our clients return bytes (no ``decode_responses``); the library's types allow str too."""
    return value.decode() if isinstance(value, bytes) else value


class RedisRateLimiter:
    def __init__(
        self, client: redis.Redis, *, limit: int, clock: Clock = time.time, prefix: str = "rl"
    ) -> None:
        self._client = client
        self._limit = limit
        self._clock = clock
        self._prefix = prefix

    def hit(self, key: str) -> Decision:
        index, remaining = window(self._clock())
        name = f"{self._prefix}:{index}:{key}"
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, WINDOW_S * 2)
            count, _ = pipe.execute()
        except redis.RedisError as e:
            raise RateLimiterUnavailable(str(e)) from None
        return Decision(True, 0) if int(count) <= self._limit else Decision(False, remaining)


class RedisSessionRegistry:
    """The active-session registry shared by replicas: a sorted set of rooms by start time
    and a hash of room -> user, and the set of rooms joined."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        max_age_s: float,
        clock: Clock = time.time,
        prefix: str = "va:sessions",
    ) -> None:
        self._client = client
        self._max_age_s = max_age_s
        self._clock = clock
        self._started = f"{prefix}:started"
        self._users = f"{prefix}:users"
        self._joined = f"{prefix}:joined"

    def start(
        self, room_name: str, *, user: str, started_at: dt.datetime, joined: bool = False
    ) -> None:
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.zadd(self._started, {room_name: started_at.timestamp()}, nx=True)
            pipe.hsetnx(self._users, room_name, user)
            if joined:
                pipe.sadd(self._joined, room_name)
            pipe.execute()
        except redis.RedisError as e:
            raise SessionRegistryUnavailable(str(e)) from None

    def end(self, room_name: str) -> None:
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.zrem(self._started, room_name)
            pipe.hdel(self._users, room_name)
            pipe.srem(self._joined, room_name)
            pipe.execute()
        except redis.RedisError as e:
            raise SessionRegistryUnavailable(str(e)) from None

    def _live(self) -> list[tuple[str, float]]:
        cutoff = self._clock() - self._max_age_s
        try:
            stale = self._client.zrangebyscore(self._started, "-inf", f"({cutoff}")
            if stale:
                pipe = self._client.pipeline(transaction=True)
                pipe.zrem(self._started, *stale)
                pipe.hdel(self._users, *stale)
                pipe.srem(self._joined, *stale)
                pipe.execute()
            # withscores: (member, score) pairs; the library types both result shapes as one
            rows = cast(
                "list[tuple[bytes, float]]",
                self._client.zrange(self._started, 0, -1, withscores=True),
            )
        except redis.RedisError as e:
            raise SessionRegistryUnavailable(str(e)) from None
        return [(_text(room), float(score)) for room, score in rows]

    def count(self) -> int:
        return len(self._live())

    def for_user(self, user: str) -> list[ActiveSession]:
        live = self._live()
        if not live:
            return []
        rooms = [room for room, _ in live]
        try:
            owners = self._client.hmget(self._users, rooms)
            joined = self._client.smismember(self._joined, rooms)
        except redis.RedisError as e:
            raise SessionRegistryUnavailable(str(e)) from None
        return [
            ActiveSession(room, user, dt.datetime.fromtimestamp(started, dt.UTC), bool(is_joined))
            for (room, started), owner, is_joined in zip(live, owners, joined, strict=True)
            if owner is not None and _text(owner) == user
        ]


class RedisAgentCapacity:
    """Worker reports in a hash (worker id -> report and when it came), reservations in a
    sorted set by time: every replica admits the same callers in the same order."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        report_ttl_s: float,
        join_timeout_s: float,
        clock: Clock = time.time,
        prefix: str = "va:capacity",
    ) -> None:
        self._client = client
        self._ttl = report_ttl_s
        self._join_timeout = join_timeout_s
        self._clock = clock
        self._reports = f"{prefix}:workers"
        self._pending = f"{prefix}:pending"
        self._served = f"{prefix}:served"

    def report(self, report: WorkerReport) -> None:
        now = self._clock()
        entry = json.dumps({"at": now, "report": report.to_json()})
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.hset(self._reports, report.worker_id, entry)
            if report.rooms:
                pipe.hset(self._served, mapping=dict.fromkeys(report.rooms, now))
            pipe.execute()
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None

    def workers(self, agent_name: str) -> list[WorkerReport]:
        oldest = self._clock() - self._ttl
        try:
            rows = self._client.hgetall(self._reports)
            live: list[WorkerReport] = []
            stale: list[bytes | str] = []
            for worker_id, raw in rows.items():
                entry = json.loads(raw)
                if entry["at"] < oldest:
                    stale.append(worker_id)
                    continue
                report = WorkerReport.from_json(entry["report"])
                if report.agent_name == agent_name:
                    live.append(report)
            if stale:
                self._client.hdel(self._reports, *stale)
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None
        return live

    def admit(self, room_name: str, agent_name: str) -> bool:
        workers = self.workers(agent_name)
        now = self._clock()
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.zremrangebyscore(self._pending, "-inf", f"({now - self._join_timeout}")
            pipe.zadd(self._pending, {room_name: now}, nx=True)
            pipe.zrange(self._pending, 0, -1)
            *_, pending = pipe.execute()
            if admitted(workers, [_text(room) for room in pending], room_name):
                return True
            self._client.zrem(self._pending, room_name)
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None
        return False

    def release(self, room_name: str) -> None:
        try:
            self._client.zrem(self._pending, room_name)
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None

    def expect(self, room_name: str) -> None:
        try:
            self._client.hsetnx(self._served, room_name, self._clock())
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None

    def served_rooms(self) -> dict[str, float]:
        try:
            rows = self._client.hgetall(self._served)
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None
        return {_text(room): float(at) for room, at in rows.items()}

    def forget(self, room_name: str) -> None:
        try:
            self._client.hdel(self._served, room_name)
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None

    def claim(self, room_name: str, ttl_s: float) -> bool:
        """One replica acts on a room at a time: True for the one that got it."""
        try:
            return bool(
                self._client.set(
                    f"{self._served}:claim:{room_name}", 1, nx=True, px=int(ttl_s * 1000)
                )
            )
        except redis.RedisError as e:
            raise CapacityUnavailable(str(e)) from None
