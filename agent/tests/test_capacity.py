"""The worker's cap, load and capacity reports (capacity.py), the reports against the real
backend app in process."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from app.core.services import services_of
from backend_helpers import BASE
from livekit.agents import JobExecutorType
from voice_agent.capacity import (
    IN_PROCESS_SESSIONS,
    REMOTE_SESSIONS_PER_CORE,
    CallServer,
    CapacityError,
    CapacityReporter,
    CpuLoad,
    WorkerLoad,
    job_executor,
    resolve_max_sessions,
    worker_share,
)
from voice_agent.model_host import ModelHostUnavailable
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

REMOTE = {
    "stt": {"provider": "openai", "api_key": "k"},
    "llm": {"provider": "openai", "api_key": "k"},
    "tts": {"provider": "openai", "api_key": "k"},
}


class FakeServer:
    """What the reporter and the load function read of an AgentServer."""

    def __init__(self, rooms: list[str], *, worker_id: str = "AW_test", draining: bool = False):
        self.id = worker_id
        self.draining = draining
        self.active_jobs = [
            SimpleNamespace(job=SimpleNamespace(room=SimpleNamespace(name=r))) for r in rooms
        ]


class FixedCpu(CpuLoad):
    def __init__(self, busy: float) -> None:
        super().__init__()
        self.busy = busy

    def start(self) -> None:
        pass

    def average(self) -> float:
        return self.busy


def fake_host(slots: int) -> tuple[ThreadingHTTPServer, str]:
    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f'{{"status": "ok", "slots": {slots}, "busy": 0}}'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_in_process_models_take_two_calls_unless_set() -> None:
    assert resolve_max_sessions(AgentSettings()) == IN_PROCESS_SESSIONS
    assert resolve_max_sessions(AgentSettings(max_sessions=1)) == 1


def test_remote_providers_take_fifteen_calls_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert resolve_max_sessions(AgentSettings(**REMOTE)) == 2 * REMOTE_SESSIONS_PER_CORE


def test_the_model_host_sets_and_bounds_the_cap() -> None:
    server, url = fake_host(slots=4)
    try:
        hosted = {"model_host": {"url": url}}
        assert resolve_max_sessions(AgentSettings(**hosted)) == 4
        assert resolve_max_sessions(AgentSettings(**hosted, max_sessions=3)) == 3
        with pytest.raises(CapacityError, match="AGENT_MAX_SESSIONS=5 is more than .* 4 LLM slots"):
            resolve_max_sessions(AgentSettings(**hosted, max_sessions=5))
    finally:
        server.shutdown()


def shares(box_cap: int, workers: int, base: AgentSettings) -> list[int]:
    return [
        worker_share(box_cap, base.model_copy(update={"workers": workers, "worker_index": i}))
        for i in range(1, workers + 1)
    ]


def test_the_workers_of_a_box_share_its_cap() -> None:
    base = AgentSettings(**REMOTE)  # copied below, not validated again: 800 splits
    assert shares(12, 1, base) == [12]
    assert shares(12, 4, base) == [3, 3, 3, 3]
    assert shares(10, 4, base) == [3, 3, 2, 2]  # the remainder one each to the first workers
    assert shares(4, 4, base) == [1, 1, 1, 1]
    for box_cap in range(1, 40):
        for workers in range(1, box_cap + 1):
            split = shares(box_cap, workers, base)
            assert sum(split) == box_cap and max(split) - min(split) <= 1


def test_the_split_applies_to_every_source_of_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    split = {"workers": 4, "worker_index": 1}
    assert resolve_max_sessions(AgentSettings(**REMOTE, **split)) == 3  # 12 a box
    assert resolve_max_sessions(AgentSettings(**REMOTE, **split, max_sessions=5)) == 2
    assert resolve_max_sessions(AgentSettings(**REMOTE, workers=4, worker_index=2)) == 3
    assert resolve_max_sessions(AgentSettings(workers=2, worker_index=2)) == 1  # in-process
    server, url = fake_host(slots=4)
    try:
        hosted = {"model_host": {"url": url}, "workers": 3}
        assert [
            resolve_max_sessions(AgentSettings(**hosted, worker_index=i)) for i in (1, 2, 3)
        ] == [
            2,
            1,
            1,
        ]
    finally:
        server.shutdown()


@pytest.mark.parametrize("index", [1, 3])
def test_more_workers_than_the_box_takes_calls_are_refused(index: int) -> None:
    """Every worker says so, not only the ones left without a call."""
    settings = AgentSettings(**REMOTE, workers=3, worker_index=index, max_sessions=2)
    with pytest.raises(CapacityError) as refused:
        resolve_max_sessions(settings)
    message = str(refused.value)
    assert "AGENT_WORKERS=3" in message and "cap of 2 calls" in message
    assert "at most 2 workers (VA_AGENT_WORKERS" in message
    assert "raise AGENT_MAX_SESSIONS" in message and "MODEL_HOST" not in message


def test_with_the_model_host_the_refusal_names_its_slots() -> None:
    server, url = fake_host(slots=2)
    try:
        settings = AgentSettings(model_host={"url": url}, workers=3, worker_index=1)
        with pytest.raises(CapacityError, match="at most its AGENT_MODEL_HOST__SLOTS"):
            resolve_max_sessions(settings)
    finally:
        server.shutdown()


def test_a_worker_index_past_the_workers_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match=r"AGENT_WORKER_INDEX \(3\) must not exceed AGENT_WORKERS"):
        AgentSettings(workers=2, worker_index=3)


def test_an_absent_model_host_is_named() -> None:
    settings = AgentSettings(model_host={"url": "http://127.0.0.1:9"})
    with pytest.raises(ModelHostUnavailable, match="AGENT_MODEL_HOST__URL"):
        resolve_max_sessions(settings, wait_s=0.0)


def test_calls_run_as_processes_unless_threads_are_chosen() -> None:
    assert job_executor(AgentSettings(**REMOTE)) is JobExecutorType.PROCESS
    assert job_executor(AgentSettings()) is JobExecutorType.PROCESS
    chosen = AgentSettings(**REMOTE, job_executor="thread")
    assert job_executor(chosen) is JobExecutorType.THREAD


def test_load_is_the_share_of_calls_or_the_busy_cpu() -> None:
    slots_only = WorkerLoad(4)
    assert slots_only(FakeServer(["a"])) == 0.25  # type: ignore[arg-type]
    assert slots_only(FakeServer(["a", "b", "c", "d", "e"])) == 1.0  # type: ignore[arg-type]
    with_cpu = WorkerLoad(4, FixedCpu(0.9))
    assert with_cpu(FakeServer(["a"])) == 0.9  # type: ignore[arg-type]


def test_a_fresh_worker_takes_as_many_calls_at_once_as_its_cap() -> None:
    """Four callers at once on a worker with no call yet: each accepted call not launched yet
    counts one call of the cap (the framework counted it as threshold / idle processes and
    refused the third), and the one past the cap is refused."""
    server = CallServer(load_fnc=WorkerLoad(4), load_threshold=1.0, num_idle_processes=2)
    # what run() sets up: no job process has a call yet
    server._devmode, server._worker_load = False, 0.0
    server._proc_pool = SimpleNamespace(processes=[])
    for accepted in range(4):
        server._reserved_slots = accepted
        assert server._is_available(), f"refused with {accepted} accepted"
    server._reserved_slots = 4
    assert not server._is_available()


def test_cpu_counts_by_default_only_without_local_models() -> None:
    assert WorkerLoad.from_settings(AgentSettings(), 2).cpu is None
    assert WorkerLoad.from_settings(AgentSettings(**REMOTE), 30).cpu is not None
    assert WorkerLoad.from_settings(AgentSettings(load_cpu=True), 2).cpu is not None


async def report_once(server: FakeServer, app: Any, token: str) -> None:
    """One report from a worker with a cap of 3, to the real backend app in process."""
    settings = AgentSettings(backend_url=BASE, service_token=token)
    transport = httpx.ASGITransport(app=app)
    reporter = CapacityReporter(server, settings, WorkerLoad(3), transport=transport)  # type: ignore[arg-type]
    try:
        await reporter.send()
    finally:
        await reporter.aclose()


async def test_reports_reach_the_backend_and_admit_calls(
    backend_app: Any, backend_token: str
) -> None:
    server = FakeServer(["room-a"])
    await report_once(server, backend_app, backend_token)
    [worker] = services_of(backend_app).agent_capacity.workers("voice-assistant")
    assert (worker.worker_id, worker.max_sessions, worker.rooms) == ("AW_test", 3, ("room-a",))
    assert worker.free == 2 and not worker.draining


async def test_a_draining_worker_reports_no_free_call(backend_app: Any, backend_token: str) -> None:
    await report_once(FakeServer([], draining=True), backend_app, backend_token)
    [worker] = services_of(backend_app).agent_capacity.workers("voice-assistant")
    assert worker.draining and worker.free == 0


async def test_an_unregistered_worker_does_not_report(backend_app: Any, backend_token: str) -> None:
    await report_once(FakeServer([], worker_id="unregistered"), backend_app, backend_token)
    assert services_of(backend_app).agent_capacity.workers("voice-assistant") == []
