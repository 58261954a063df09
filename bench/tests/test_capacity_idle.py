"""bench/capacity/idle.py: between rungs the bench waits for every agent worker, not the first
one only (fake workers' loads; one real HTTP endpoint)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capacity"))
import idle  # noqa: E402

URLS = idle.worker_urls(18181, 3)


class FakeWorkers:
    """Each worker's loads, one per poll (the last repeats); every poll recorded."""

    def __init__(self, loads: dict[str, list[float | None]]) -> None:
        self.loads = loads
        self.polls: dict[str, int] = dict.fromkeys(loads, 0)

    def __call__(self, url: str) -> float | None:
        seen = self.loads[url]
        load = seen[min(self.polls[url], len(seen) - 1)]
        self.polls[url] += 1
        return load


def wait(workers: FakeWorkers, timeout_s: float = 60) -> list[str]:
    return asyncio.run(
        idle.wait_idle(URLS, read_load=workers, timeout_s=timeout_s, poll_s=0, settle_s=0)
    )


def test_every_worker_has_its_own_health_port_after_the_first() -> None:
    assert URLS == [
        "http://127.0.0.1:18181/worker",
        "http://127.0.0.1:18182/worker",
        "http://127.0.0.1:18183/worker",
    ]


def test_it_waits_for_the_last_busy_worker_not_the_first() -> None:
    first, second, third = URLS
    workers = FakeWorkers({first: [0.0], second: [0.5, 0.5, 0.25, 0.0], third: [1.0, 0.0]})
    assert wait(workers) == []
    assert workers.polls == {first: 4, second: 4, third: 4}


def test_a_worker_that_does_not_answer_is_not_idle() -> None:
    first, second, third = URLS
    workers = FakeWorkers({first: [0.0], second: [None, None, 0.0], third: [0.0]})
    assert wait(workers) == []
    assert workers.polls[second] == 3


def test_at_the_timeout_it_names_the_workers_still_busy() -> None:
    first, second, third = URLS
    workers = FakeWorkers({first: [0.0], second: [0.5], third: [None]})
    assert wait(workers, timeout_s=0) == [second, third]


class Worker(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def worker() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/worker"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("body", "load"),
    [
        (json.dumps({"worker_load": 0.5}).encode(), 0.5),
        # the framework writes WorkerInfo as proto3 JSON, which leaves out zero values: an
        # idle worker's body has no load at all
        (json.dumps({"agent_name": "voice-assistant", "worker_type": "JT_ROOM"}).encode(), 0.0),
        (b"[]", None),
        (b"not json", None),
    ],
)
def test_the_load_is_read_from_the_workers_endpoint(
    worker: str, monkeypatch: pytest.MonkeyPatch, body: bytes, load: float | None
) -> None:
    monkeypatch.setattr(Worker, "body", body)
    assert idle.worker_load(worker) == load


def test_a_closed_port_reads_as_no_answer() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    port = server.server_address[1]
    server.server_close()
    assert idle.worker_load(f"http://127.0.0.1:{port}/worker") is None
