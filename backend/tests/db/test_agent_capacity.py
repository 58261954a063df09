"""Never a silent room: POST /api/token admits a new call only while a reported agent worker
has one free, and otherwise answers 503 with Retry-After at once. In process and on a real
Redis shared by two backend replicas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fake_clock import FakeClock
from fastapi.testclient import TestClient
from job_credentials import JOB_SECRET

from app.api.deps import AGENTS_BUSY_DETAIL, NO_AGENT_DETAIL
from app.core.agent_capacity import AgentCapacity, InProcessAgentCapacity, WorkerReport
from app.core.redis import RedisAgentCapacity
from app.main import create_app

pytestmark = pytest.mark.db

ALICE_KEY = "alice-api-key-0123456789"
AGENT_TOKEN = "agent-service-token-" + "x" * 24
TTL_S, JOIN_S = 10.0, 15.0
USER = {"Authorization": f"Bearer {ALICE_KEY}"}
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
AppFactory = Callable[[], TestClient]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture(params=["in-process", "redis"])
def make_capacity(request: pytest.FixtureRequest, clock: FakeClock) -> Callable[[], AgentCapacity]:
    limits: dict[str, Any] = {"report_ttl_s": TTL_S, "join_timeout_s": JOIN_S, "clock": clock}
    if request.param == "in-process":
        shared = InProcessAgentCapacity(**limits)
        return lambda: shared
    client: redis.Redis = request.getfixturevalue("redis_client")
    return lambda: RedisAgentCapacity(client, **limits)


@pytest.fixture
def make_app(
    make_settings: Callable[..., Any], make_capacity: Callable[[], AgentCapacity]
) -> Iterator[AppFactory]:
    """Backend replicas over one capacity store (one store object in process; separate
    clients of the same Redis otherwise)."""
    opened: list[TestClient] = []

    def make() -> TestClient:
        settings = make_settings(
            api_keys=(ALICE_KEY,),
            agent_service_token=AGENT_TOKEN,
            job_credential_secret=JOB_SECRET,
            agent_capacity_check=True,
            max_conversations_per_user=100,
        )
        client = TestClient(
            create_app(settings, agent_capacity=make_capacity()), base_url="http://127.0.0.1:8000"
        )
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def report(client: TestClient, worker: str = "w1", **fields: Any) -> dict[str, Any]:
    body = {"agent_name": "voice-assistant", "max_sessions": 2, "rooms": [], "load": 0.1}
    body.update(fields)
    response = client.put(f"/api/agent/workers/{worker}", json=body, headers=AGENT)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def call(client: TestClient, **body: Any) -> Any:
    return client.post("/api/token", json=body, headers=USER)


def conversations(client: TestClient) -> int:
    return len(client.get("/api/conversations", headers=USER).json()["items"])


def assert_refused(response: Any, detail: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["detail"] == detail
    assert response.headers["Retry-After"] == "5"


def test_no_worker_means_no_agent_at_once(make_app: AppFactory) -> None:
    client = make_app()
    assert_refused(call(client), NO_AGENT_DETAIL)
    assert conversations(client) == 0  # nothing half-made behind the refusal


def test_calls_beyond_the_free_sessions_are_refused(make_app: AppFactory) -> None:
    client = make_app()
    assert report(client, max_sessions=2) == {"workers": 1, "free_sessions": 2}
    first, second = call(client), call(client)
    assert first.status_code == second.status_code == 200
    assert_refused(call(client), AGENTS_BUSY_DETAIL)
    assert conversations(client) == 2


def test_the_web_pages_create_call_is_refused_too(make_app: AppFactory) -> None:
    client = make_app()
    report(client, max_sessions=1)
    first = client.post("/api/conversations", json={}, headers=USER)
    assert first.status_code == 201
    assert_refused(client.post("/api/conversations", json={}, headers=USER), AGENTS_BUSY_DETAIL)
    # the same id again is the same call, not a new one
    again = client.post(
        "/api/conversations", json={"id": first.json()["conversation"]["id"]}, headers=USER
    )
    assert again.status_code == 200


def test_rooms_a_worker_serves_are_not_counted_twice(make_app: AppFactory) -> None:
    client = make_app()
    report(client, max_sessions=3)
    rooms = [call(client).json()["room_name"] for _ in range(2)]
    # the worker took both calls: two of three busy, one still free
    assert report(client, max_sessions=3, rooms=rooms)["free_sessions"] == 1
    assert call(client).status_code == 200
    assert_refused(call(client), AGENTS_BUSY_DETAIL)


def test_an_unjoined_reservation_expires(make_app: AppFactory, clock: FakeClock) -> None:
    client = make_app()
    report(client, max_sessions=1)
    assert call(client).status_code == 200
    assert_refused(call(client), AGENTS_BUSY_DETAIL)
    clock.now += JOIN_S + 1  # no agent ever joined that room
    report(client, max_sessions=1)
    assert call(client).status_code == 200


def test_deleting_an_unjoined_conversation_frees_its_call(make_app: AppFactory) -> None:
    client = make_app()
    report(client, max_sessions=1)
    room = call(client).json()["room_name"]
    assert_refused(call(client), AGENTS_BUSY_DETAIL)
    [held] = [c for c in client.get("/api/conversations", headers=USER).json()["items"]]
    assert held["room_name"] == room
    assert client.delete(f"/api/conversations/{held['id']}", headers=USER).status_code == 204
    assert call(client).status_code == 200


def test_draining_or_cpu_full_workers_take_no_call(make_app: AppFactory) -> None:
    client = make_app()
    report(client, "w1", draining=True)
    report(client, "w2", load=1.0)
    assert_refused(call(client), AGENTS_BUSY_DETAIL)
    report(client, "w3", max_sessions=1)
    assert call(client).status_code == 200


def test_the_workers_of_one_box_add_up(make_app: AppFactory) -> None:
    """Worker processes of one box (VA_AGENT_WORKERS) report their shares of its cap: the
    backend admits their sum, whichever worker has the free calls."""
    client = make_app()
    report(client, "w1", max_sessions=2)
    assert report(client, "w2", max_sessions=1) == {"workers": 2, "free_sessions": 3}
    rooms = [call(client).json()["room_name"] for _ in range(2)]
    report(client, "w1", max_sessions=2, rooms=rooms)  # the first worker took both
    assert call(client).status_code == 200  # the second's one call
    assert_refused(call(client), AGENTS_BUSY_DETAIL)


def test_a_silent_worker_is_gone_after_the_ttl(make_app: AppFactory, clock: FakeClock) -> None:
    client = make_app()
    report(client)
    clock.now += TTL_S + 1
    assert_refused(call(client), NO_AGENT_DETAIL)


def test_other_agent_names_do_not_count(make_app: AppFactory) -> None:
    client = make_app()
    report(client, agent_name="someone-else", max_sessions=10)
    assert_refused(call(client), NO_AGENT_DETAIL)


def test_rejoining_an_active_conversation_is_never_refused(make_app: AppFactory) -> None:
    client = make_app()
    report(client, max_sessions=1)
    room = call(client).json()["room_name"]
    assert_refused(call(client), AGENTS_BUSY_DETAIL)
    assert call(client, room_name=room).status_code == 200


def test_replicas_share_the_count(make_app: AppFactory) -> None:
    one, two = make_app(), make_app()
    report(one, max_sessions=2)
    assert call(one).status_code == 200
    assert call(two).status_code == 200
    assert_refused(call(one), AGENTS_BUSY_DETAIL)
    assert_refused(call(two), AGENTS_BUSY_DETAIL)


def test_only_the_agent_may_report(make_app: AppFactory) -> None:
    client = make_app()
    body = {"agent_name": "voice-assistant", "max_sessions": 50, "load": 0.0}
    response = client.put("/api/agent/workers/w1", json=body, headers=USER)
    assert response.status_code == 401
    assert_refused(call(client), NO_AGENT_DETAIL)


@pytest.mark.parametrize(
    "bad",
    [{"max_sessions": 0}, {"load": -1}, {"rooms": ["x" * 300]}, {"agent_name": ""}],
)
def test_bad_reports_get_422(make_app: AppFactory, bad: dict[str, Any]) -> None:
    client = make_app()
    body = {"agent_name": "voice-assistant", "max_sessions": 2, "load": 0.0, **bad}
    response = client.put("/api/agent/workers/w1", json=body, headers=AGENT)
    assert response.status_code == 422


def test_a_joined_room_is_watched_and_keeps_its_first_time(
    make_capacity: Callable[[], AgentCapacity], clock: FakeClock
) -> None:
    """``expect`` (a user joined) puts a room under the reconcile's watch as of now; a room
    already watched keeps its time, and a worker's report moves it on."""
    capacity = make_capacity()
    capacity.expect("r1")
    joined_at = clock()
    clock.now += 5
    capacity.expect("r1")  # the user rejoins: not a fresh start
    assert capacity.served_rooms() == {"r1": joined_at}
    capacity.report(WorkerReport("w1", "voice-assistant", 2, ("r1",), 0.1, False))
    assert capacity.served_rooms() == {"r1": clock()}
    capacity.forget("r1")
    assert capacity.served_rooms() == {}
