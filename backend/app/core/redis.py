"""Redis, when REDIS_URL is set: state shared by every backend replica. Imported only then."""

from __future__ import annotations

import time

import redis

from app.core.rate_limit import WINDOW_S, Clock, Decision, RateLimiterUnavailable, window

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
