"""The active-session registry: in process and on a real Redis, fed by conversation creation
and LiveKit webhooks, read by GET /api/sessions/active and va_backend_active_sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import redis
from fake_clock import FakeClock
from fastapi.testclient import TestClient
from live_servers import RedisServer, free_port
from prometheus_client.parser import text_string_to_metric_families
from webhook_signing import sign, webhook_event

from app.core.redis import RedisSessionRegistry, connect
from app.core.session_registry import (
    InProcessSessionRegistry,
    SessionRegistry,
    SessionRegistryUnavailable,
)

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
RegistryFactory = Callable[[], SessionRegistry]
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0.timestamp() + 10)


@pytest.fixture(params=["in-process", "redis"])
def make_registry(request: pytest.FixtureRequest, clock: FakeClock) -> RegistryFactory:
    """The same behaviour is asked of both implementations."""
    if request.param == "in-process":
        return lambda: InProcessSessionRegistry(max_age_s=3600, clock=clock)
    client: redis.Redis = request.getfixturevalue("redis_client")
    return lambda: RedisSessionRegistry(client, max_age_s=3600, clock=clock)


def test_start_end_count_and_per_user(make_registry: RegistryFactory) -> None:
    registry = make_registry()
    registry.start("room-a", user="alice", started_at=T0)
    registry.start("room-b", user="bob", started_at=T0 + dt.timedelta(seconds=1))
    registry.start("room-c", user="alice", started_at=T0 + dt.timedelta(seconds=2))
    registry.start("room-a", user="mallory", started_at=T0 + dt.timedelta(seconds=5))  # no-op

    assert registry.count() == 3
    assert [(s.room_name, s.user_id, s.started_at) for s in registry.for_user("alice")] == [
        ("room-a", "alice", T0),
        ("room-c", "alice", T0 + dt.timedelta(seconds=2)),
    ]
    assert registry.for_user("mallory") == []
    registry.end("room-a")
    registry.end("room-a")  # twice is fine
    assert registry.count() == 2
    assert [s.room_name for s in registry.for_user("alice")] == ["room-c"]


def test_a_join_marks_an_entry_joined(make_registry: RegistryFactory) -> None:
    registry = make_registry()
    registry.start("room-a", user="alice", started_at=T0)  # a token for a new room
    registry.start("room-b", user="alice", started_at=T0 + dt.timedelta(seconds=1), joined=True)
    assert [s.joined for s in registry.for_user("alice")] == [False, True]
    registry.start("room-a", user="alice", started_at=T0 + dt.timedelta(seconds=3), joined=True)
    assert [(s.room_name, s.started_at, s.joined) for s in registry.for_user("alice")] == [
        ("room-a", T0, True),
        ("room-b", T0 + dt.timedelta(seconds=1), True),
    ]
    registry.end("room-a")
    registry.start("room-a", user="alice", started_at=T0)
    assert [s.joined for s in registry.for_user("alice")][:1] == [False]  # ended: forgotten


def test_entries_past_the_max_age_are_dropped(
    make_registry: RegistryFactory, clock: FakeClock
) -> None:
    registry = make_registry()
    registry.start("old", user="alice", started_at=T0)
    registry.start("new", user="alice", started_at=T0 + dt.timedelta(minutes=30))
    clock.now = T0.timestamp() + 3600 + 1  # "old" never got its room_finished
    assert registry.count() == 1
    assert [s.room_name for s in registry.for_user("alice")] == ["new"]


def test_redis_entries_are_shared_by_replicas(redis_client: redis.Redis, clock: FakeClock) -> None:
    one, two = (RedisSessionRegistry(redis_client, max_age_s=3600, clock=clock) for _ in range(2))
    one.start("room-a", user="alice", started_at=T0)
    assert two.count() == 1 and [s.room_name for s in two.for_user("alice")] == ["room-a"]
    two.end("room-a")
    assert one.count() == 0


def test_an_unreachable_redis_is_reported() -> None:
    registry = RedisSessionRegistry(connect(f"redis://127.0.0.1:{free_port()}/0"), max_age_s=60)
    with pytest.raises(SessionRegistryUnavailable):
        registry.count()
    with pytest.raises(SessionRegistryUnavailable):
        registry.start("r", user="u", started_at=T0)


def _gauge(client: TestClient) -> float:
    families = text_string_to_metric_families(client.get("/metrics").text)
    [family] = [f for f in families if f.name == "va_backend_active_sessions"]
    return family.samples[0].value


def _webhook(
    client: TestClient, name: str, room: str, event_id: str, **participant: object
) -> None:
    body = webhook_event(name, room, event_id=event_id, **participant)
    response = client.post(
        "/livekit/webhook",
        content=body.encode(),
        headers={"Content-Type": "application/webhook+json", "Authorization": sign(body)},
    )
    assert response.json() == {"status": "processed"}


def _active(client: TestClient, headers: Headers) -> list[str]:
    response = client.get("/api/sessions/active", headers=headers)
    assert response.status_code == 200
    return [item["room_name"] for item in response.json()["items"]]


def test_the_app_on_redis_tracks_sessions_from_creation_to_room_finished(
    make_client: ClientFactory, redis_server: RedisServer, alice: Headers, bob: Headers
) -> None:
    redis.Redis.from_url(redis_server.url).flushdb()
    client = make_client(redis_url=redis_server.url)
    first = client.post("/api/conversations", json={}, headers=alice).json()["conversation"]
    second = client.post("/api/conversations", json={}, headers=alice).json()["conversation"]

    assert _active(client, alice) == [first["room_name"], second["room_name"]]
    assert _active(client, bob) == []  # own sessions only
    assert _gauge(client) == 2
    # Another replica on the same Redis sees the same sessions.
    replica = make_client(redis_url=redis_server.url)
    assert _gauge(replica) == 2

    _webhook(client, "room_finished", first["room_name"], "EV_1")
    assert _active(replica, alice) == [second["room_name"]]
    assert _gauge(client) == 1
    # A room that starts again (a rejoin after a restart) is registered from its webhook.
    client.post("/api/conversations", json={"id": second["id"]}, headers=alice)
    _webhook(client, "room_finished", second["room_name"], "EV_2")
    assert _gauge(client) == 0


def test_webhooks_register_started_rooms(make_client: ClientFactory, alice: Headers) -> None:
    registry = InProcessSessionRegistry(max_age_s=3600)
    client = make_client(session_registry=registry)
    room = client.post("/api/conversations", json={}, headers=alice).json()["conversation"][
        "room_name"
    ]
    registry.end(room)  # as if this replica restarted and lost its in-process registry
    _webhook(client, "participant_joined", room, "EV_j", identity="agent-1", kind=4)  # AGENT
    assert _active(client, alice) == []
    _webhook(client, "room_started", room, "EV_s")
    assert _active(client, alice) == [room]
    _webhook(client, "participant_left", room, "EV_l", identity="someone-abcdef")
    assert _active(client, alice) == [room]


def test_registry_outage_fails_only_the_read(make_client: ClientFactory, alice: Headers) -> None:
    dead = RedisSessionRegistry(connect(f"redis://127.0.0.1:{free_port()}/0"), max_age_s=60)
    client = make_client(session_registry=dead)
    assert client.post("/api/conversations", json={}, headers=alice).status_code == 201
    response = client.get("/api/sessions/active", headers=alice)
    assert (response.status_code, response.json()) == (
        503,
        {"detail": "session registry unavailable"},
    )
    # The scrape still works; only the gauge is left out.
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    names = {f.name for f in text_string_to_metric_families(scrape.text)}
    assert "va_backend_http_requests" in names and "va_backend_active_sessions" not in names
