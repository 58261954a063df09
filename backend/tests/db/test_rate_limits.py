from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from fake_clock import FakeClock
from fastapi.testclient import TestClient
from job_credentials import job_headers
from live_servers import RedisServer, free_port

from app.core.rate_limit import Decision, InProcessRateLimiter, RateLimiter
from app.core.redis import RedisRateLimiter

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
LimiterFactory = Callable[[int], RateLimiter]
RATE_LIMITED = {"detail": "rate limit exceeded"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_000_040.0)  # 20 s into a minute


@pytest.fixture(params=["in-process", "redis"])
def make_limiter(request: pytest.FixtureRequest, clock: FakeClock) -> LimiterFactory:
    """The same behaviour is asked of both implementations."""
    if request.param == "in-process":
        return lambda limit: InProcessRateLimiter(limit=limit, clock=clock)
    client: redis.Redis = request.getfixturevalue("redis_client")
    return lambda limit: RedisRateLimiter(client, limit=limit, clock=clock)


def test_limit_per_key_per_minute(make_limiter: LimiterFactory, clock: FakeClock) -> None:
    limiter = make_limiter(3)
    assert [limiter.hit("alice").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("alice") == Decision(False, 40)  # until the minute ends
    assert limiter.hit("bob").allowed  # each key counts on its own

    clock.now += 40  # the next minute
    assert limiter.hit("alice") == Decision(True, 0)


def test_redis_counts_are_shared_by_replicas(redis_client: redis.Redis, clock: FakeClock) -> None:
    replicas = [RedisRateLimiter(redis_client, limit=3, clock=clock) for _ in range(2)]
    decisions = [replicas[i % 2].hit("alice").allowed for i in range(4)]
    assert decisions == [True, True, True, False]


def test_redis_keys_expire(redis_client: redis.Redis, clock: FakeClock) -> None:
    RedisRateLimiter(redis_client, limit=3, clock=clock).hit("alice")
    [key] = redis_client.keys("rl:*")
    assert 0 < redis_client.ttl(key) <= 120


def test_user_routes_answer_429_with_retry_after(
    make_client: ClientFactory, make_limiter: LimiterFactory, alice: Headers, bob: Headers
) -> None:
    client = make_client(rate_limiter=make_limiter(2))
    for _ in range(2):
        assert client.get("/api/conversations", headers=alice).status_code == 200

    for method, path in [("GET", "/api/conversations"), ("POST", "/api/token")]:
        body = {} if method == "POST" else None
        response = client.request(method, path, headers=alice, json=body)
        assert (response.status_code, response.json()) == (429, RATE_LIMITED)
        assert response.headers["retry-after"] == "40"
    assert client.get("/api/conversations", headers=bob).status_code == 200


def test_agent_webhook_and_health_are_not_counted(
    make_client: ClientFactory, alice: Headers
) -> None:
    client = make_client(rate_limiter=InProcessRateLimiter(limit=1))
    job = job_headers(client, user="u")
    for _ in range(3):
        assert client.get("/api/agent/users/u/notes", headers=job).status_code == 200
        assert client.post("/livekit/webhook", content=b"{}").status_code == 401
    assert client.get("/api/conversations", headers=alice).status_code == 200


def test_redis_url_setting_shares_limits_between_apps(
    make_client: ClientFactory,
    redis_client: redis.Redis,
    redis_server: RedisServer,
    alice: Headers,
) -> None:
    apps = [make_client(redis_url=redis_server.url, rate_limit_per_minute=100) for _ in range(2)]
    for i in range(4):
        assert apps[i % 2].get("/api/conversations", headers=alice).status_code == 200
    # Both apps counted into Redis (one or two windows, should a minute have turned meanwhile).
    counts = [int(redis_client.get(key) or 0) for key in redis_client.keys("rl:*")]
    assert sum(counts) == 4


def test_unreachable_redis_fails_closed(make_client: ClientFactory, alice: Headers) -> None:
    client = make_client(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/api/conversations", headers=alice)
    assert (response.status_code, response.json()) == (503, {"detail": "rate limiter unavailable"})
