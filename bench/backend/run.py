"""Backend throughput: LiveKit token issuance and message ingest into PostgreSQL.

Starts its own PostgreSQL on a free loopback port with durable commits (fsync and
synchronous_commit on, unlike the test fixtures), migrates it, runs the app under uvicorn,
and drives it over HTTP from this process:

- tokens: POST /api/token (each one also records a conversation row), N requests at a fixed
  concurrency; requests/s, p50 and p99.
- ingest: POST /api/agent/conversations/{room}/messages:batch with B messages per request;
  a message counts once its batch is answered, and the route answers after COMMIT, so every
  counted message is durable. The rows are counted in PostgreSQL afterwards.
- single: PUT /api/agent/conversations/{room}/messages/{id}, one message per request, for
  comparison.
- journal: the path the agent's writes take (agent/src/voice_agent/persistence): each write
  appended to the worker's journal (SQLite, WAL, synchronous=FULL: one durable commit per
  write, as the agent's event handler does), and the journal's sender draining it to the
  batch route (one request in flight, as in the agent). Measured apart: the append rate, and
  the drain of a journal holding --journal-messages writes over --journal-rooms rooms (the
  worker's steady state, or its replay after an outage); the rows are counted in PostgreSQL.

Prints a table and appends it to docs/benchmarks.md (unless --no-record; a record needs a
clean tree, see bench/machine.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(BACKEND / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from app.core import migrate  # noqa: E402
from live_servers import PostgresServer, free_port, start_postgres  # noqa: E402
from machine import add_record_options, append_record, may_record  # noqa: E402
from voice_agent.persistence import BackendClient, Journal, JournalSender  # noqa: E402
from voice_agent.persistence.backend_client import job_credential  # noqa: E402
from voice_agent.persistence.journal_sender import ROOMS_IN_FLIGHT  # noqa: E402

# tokens go round the users: each holds at most BACKEND_MAX_CALLS_PER_USER (1000) calls, and
# every token issued counts as a call until its TTL
USER_KEYS = tuple(f"bench-user-{i}-api-key-0123456789" for i in range(8))
USER_KEY = USER_KEYS[0]
AGENT_TOKEN = "bench-agent-service-token-0123456789abcdef"
JOB_SECRET = "bench-job-credential-secret-0123456789abcdef"
READY_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    unit: str  # what the rate counts
    count: int  # units done
    requests: int
    seconds: float
    latencies_s: list[float]
    in_flight: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def create_database(server: PostgresServer) -> str:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "bench"'))
    admin.dispose()
    url = server.url("bench")
    migrate.upgrade(url)
    return url


def start_backend(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "LIVEKIT_"))}
    env |= {
        "LIVEKIT_API_KEY": "bench-key",
        "LIVEKIT_API_SECRET": "bench-secret-0123456789abcdef0123456789",
        "LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}",
        "DATABASE_URL": database_url,
        "BACKEND_API_KEYS": ",".join(USER_KEYS),
        "AGENT_SERVICE_TOKEN": AGENT_TOKEN,
        "BACKEND_JOB_CREDENTIAL_SECRET": JOB_SECRET,
        "BACKEND_RATE_LIMIT_PER_MINUTE": "100000",
        "BACKEND_MAX_CONVERSATIONS_PER_USER": "1000000",
        "BACKEND_MAX_CALLS_PER_USER": "1000",  # tokens for new rooms, nobody joins them
        # no agent runs here: measure the token path itself
        "BACKEND_AGENT_CAPACITY_CHECK": "false",
        "WEB_DIST": str(Path(tempfile.gettempdir()) / "no-web-dist"),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.asgi:app_from_env"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(command, cwd=BACKEND, env=env)


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise SystemExit(f"bench: the backend exited with {process.returncode}")
        try:
            headers = {"Authorization": f"Bearer {USER_KEY}"}
            if (await client.get("/api/options", headers=headers)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("bench: the backend did not answer within 60 s")
        await asyncio.sleep(0.2)


async def drive(
    n: int, concurrency: int, request: Callable[[int], Awaitable[int]]
) -> tuple[float, list[float], int]:
    """Run request(0..n-1) with `concurrency` in flight; (seconds, latencies, units done)."""
    latencies: list[float] = []
    done = 0
    next_index = 0

    async def worker() -> None:
        nonlocal next_index, done
        while next_index < n:
            index = next_index
            next_index += 1
            start = time.perf_counter()
            units = await request(index)  # not `done += await ...`: that reads done first
            done += units
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies, done


async def bench_tokens(client: httpx.AsyncClient, n: int, concurrency: int) -> Result:
    headers = [{"Authorization": f"Bearer {key}"} for key in USER_KEYS]

    async def issue(index: int) -> int:
        response = await client.post("/api/token", json={}, headers=headers[index % len(headers)])
        response.raise_for_status()
        return 1

    await drive(min(50, n), concurrency, issue)  # warm-up: connections, caches
    seconds, latencies, count = await drive(n, concurrency, issue)
    name = "token issuance (POST /api/token, records a conversation)"
    return Result(name, "tokens", count, n, seconds, latencies, concurrency)


def message(index: int) -> dict[str, object]:
    return {
        "id": f"m{index:08d}",
        "role": "user" if index % 2 == 0 else "assistant",
        "text": f"Message number {index}: what is the weather like in Paris today?",
        "latency": {"e2e_ms": 640.0, "llm_ttft_ms": 210.0},
    }


async def new_room(client: httpx.AsyncClient) -> tuple[str, str]:
    """A new conversation's room and its agent job's credential (the worker's service token
    opens no conversation)."""
    headers = {"Authorization": f"Bearer {USER_KEY}"}
    response = await client.post("/api/conversations", json={}, headers=headers)
    response.raise_for_status()
    body = response.json()
    claims = jwt.decode(
        body["connection"]["participant_token"], options={"verify_signature": False}
    )
    [dispatch] = claims["roomConfig"]["agents"]
    credential = job_credential(dispatch["metadata"])
    assert credential is not None
    return body["conversation"]["room_name"], credential


async def bench_batches(
    client: httpx.AsyncClient, total: int, batch: int, concurrency: int
) -> tuple[Result, str]:
    room, credential = await new_room(client)
    url = f"/api/agent/conversations/{room}/messages:batch"
    headers = {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}
    n = total // batch
    bodies = [
        json.dumps({"messages": [message(i * batch + j) for j in range(batch)]}).encode()
        for i in range(n)
    ]  # encoded before the clock starts: the client's JSON work is not the server's

    async def send(index: int) -> int:
        response = await client.post(url, content=bodies[index], headers=headers)
        response.raise_for_status()
        count: int = response.json()["count"]
        return count

    seconds, latencies, count = await drive(n, concurrency, send)
    name = f"message ingest, batches of {batch} (POST …/messages:batch)"
    return Result(name, "messages", count, n, seconds, latencies, concurrency), room


async def bench_single(client: httpx.AsyncClient, n: int, concurrency: int) -> Result:
    room, credential = await new_room(client)
    headers = {"Authorization": f"Bearer {credential}"}

    async def put(index: int) -> int:
        body = {k: v for k, v in message(index).items() if k != "id"}
        url = f"/api/agent/conversations/{room}/messages/s{index:08d}"
        response = await client.put(url, json=body, headers=headers)
        response.raise_for_status()
        return 1

    seconds, latencies, count = await drive(n, concurrency, put)
    name = "message ingest, one per request (PUT …/messages/{id})"
    return Result(name, "messages", count, n, seconds, latencies, concurrency)


def journal_body(index: int) -> dict[str, object]:
    """A message as the agent journals it (the batch route's fields)."""
    return {k: v for k, v in message(index).items() if k != "id"} | {
        "created_at": "2026-01-01T00:00:00+00:00",
        "interrupted": False,
    }


def bench_journal_append(folder: Path, n: int) -> Result:
    """``n`` writes, one durable commit each: what the agent's event handler does per message."""
    journal = Journal(folder / "append")
    latencies: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        began = time.perf_counter()
        journal.append("bench-room", "message", f"a{i:08d}", journal_body(i))
        latencies.append(time.perf_counter() - began)
    seconds = time.perf_counter() - start
    journal.close()
    name = "journal append, one durable commit per write (the agent's event handler)"
    return Result(name, "writes", n, n, seconds, latencies, 1)


def fill_journal(journal: Journal, rooms: dict[str, str], total: int) -> None:
    """``total`` writes owned by ``journal``'s process, each with its room's job credential,
    in one transaction (the fill is not measured; the drain is)."""
    owner = journal.owner
    names = list(rooms)
    rows = [
        (
            names[i % len(names)],
            "message",
            f"j{i:08d}",
            json.dumps(journal_body(i)),
            time.time(),
            owner.pid,
            owner.started,
            rooms[names[i % len(names)]],
        )
        for i in range(total)
    ]
    with sqlite3.connect(journal.path) as db:
        db.executemany(
            "INSERT INTO writes (room, kind, write_id, body, written_at, owner_pid, "
            "owner_started, credential) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


async def bench_journal_drain(
    base_url: str, folder: Path, rooms: dict[str, str], total: int, batch: int
) -> Result:
    journal = Journal(folder / "drain")
    fill_journal(journal, rooms, total)
    latencies: list[float] = []
    started: dict[int, float] = {}

    async def on_request(request: httpx.Request) -> None:
        started[id(request)] = time.perf_counter()

    async def on_response(response: httpx.Response) -> None:
        latencies.append(time.perf_counter() - started.pop(id(response.request)))

    hooks = {"request": [on_request], "response": [on_response]}
    async with httpx.AsyncClient(timeout=60, trust_env=False, event_hooks=hooks) as http:
        client = BackendClient(
            base_url, AGENT_TOKEN, retries=0, client=http, room_credential=journal.credential_for
        )
        sender = JournalSender(journal, client, batch_messages=batch)
        start = time.perf_counter()
        drained = await sender.aflush(timeout_s=600)
        seconds = time.perf_counter() - start
        await sender.aclose()
    if not drained or journal.count() or sender.dropped:
        raise SystemExit(f"bench: the journal kept {journal.count()}, dropped {sender.dropped}")
    journal.close()
    name = f"journal → batch sender → PostgreSQL ({batch} per request, {len(rooms)} rooms)"
    return Result(
        name, "messages", sender.sent, len(latencies), seconds, latencies, ROOMS_IN_FLIGHT
    )


def committed_rows(database_url: str, rooms: list[str]) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(
            text(
                "SELECT count(*) FROM messages m JOIN conversations c "
                "ON c.id = m.conversation_id WHERE c.room_name = ANY(:rooms)"
            ),
            {"rooms": rooms},
        ).scalar_one()
    engine.dispose()
    return int(count)


def table(results: list[Result]) -> str:
    rows = [
        "| measure | rate | requests/s | p50 (ms) | p99 (ms) | requests | in flight |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.name} | **{r.rate:,.0f} {r.unit}/s** | {r.requests / r.seconds:,.0f} "
            f"| {pct(r.latencies_s, 0.5) * 1000:.1f} | {pct(r.latencies_s, 0.99) * 1000:.1f} "
            f"| {r.requests} | {r.in_flight} |"
        )
    return "\n".join(rows)


async def run(args: argparse.Namespace, database_url: str, port: int) -> tuple[str, str]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    base_url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(
        base_url=base_url, timeout=60, limits=limits, trust_env=False
    ) as client:
        backend = start_backend(database_url, port, args.workers)
        try:
            await wait_ready(client, backend)
            tokens = [
                await bench_tokens(client, args.tokens // 2 if c == 1 else args.tokens, c)
                for c in (1, 4, 16)
            ]
            batches, room = await bench_batches(
                client, args.messages, args.batch_size, args.ingest_concurrency
            )
            single = await bench_single(client, args.single, 4)
            with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
                appended = bench_journal_append(Path(tmp), args.journal_appends)
                journal_rooms = dict([await new_room(client) for _ in range(args.journal_rooms)])
                drained = await bench_journal_drain(
                    base_url, Path(tmp), journal_rooms, args.journal_messages, args.journal_batch
                )
        finally:
            backend.terminate()
            backend.wait(timeout=30)
    stored = committed_rows(database_url, [room])
    if stored != batches.count:
        raise SystemExit(f"bench: {batches.count} messages acknowledged, {stored} in PostgreSQL")
    journal_stored = committed_rows(database_url, list(journal_rooms))
    if journal_stored != drained.count:
        raise SystemExit(
            f"bench: {drained.count} journaled messages acknowledged, {journal_stored} stored"
        )
    summary = table([*tokens, batches, single, appended, drained])
    p99s = ", ".join(
        f"{t.in_flight} in flight {pct(t.latencies_s, 0.99) * 1000:.1f} ms" for t in tokens
    )
    serial_p99 = pct(tokens[0].latencies_s, 0.99)

    def verdict(ok: bool) -> str:
        return "met" if ok else "not met"

    notes = (
        f"Uvicorn workers: {args.workers}. Found in PostgreSQL after the run: {stored:,} of "
        f"{batches.count:,} batch-route messages and {journal_stored:,} of {drained.count:,} "
        f"journaled ones. Token issuance p99: {p99s}. Targets: 10,000 messages/s persisted "
        f"on the agent's path (journal → batch sender) — {verdict(drained.rate >= 10_000)} "
        f"({drained.rate:,.0f}/s); on the batch route alone — "
        f"{verdict(batches.rate >= 10_000)}; token issuance p99 under 20 ms with one in flight "
        f"— {verdict(serial_p99 < 0.020)}. The journal's appends are one fsync each "
        f"({appended.rate:,.0f}/s here): a worker's calls together write a few messages a "
        f"second, so the append bounds nothing in use; the sender's rate bounds how fast a "
        f"backlog left by an outage or a crash is replayed."
    )
    return summary, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tokens", type=int, default=1000, help="at 4 and 16 in flight; half as many at 1"
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--ingest-concurrency", type=int, default=4)
    parser.add_argument("--single", type=int, default=500)
    # 1: with 2 uvicorn workers every request here took ~40 ms more (p50 48 vs 5 ms),
    # whatever the load; one worker leaves the second core to PostgreSQL
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--journal-appends", type=int, default=2000)
    parser.add_argument("--journal-messages", type=int, default=100_000)
    parser.add_argument("--journal-rooms", type=int, default=8)
    parser.add_argument("--journal-batch", type=int, default=1000)
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)

    server = start_postgres(durable=True)
    try:
        database_url = create_database(server)
        summary, notes = asyncio.run(run(args, database_url, free_port()))
    finally:
        server.stop()
    print(summary)
    print(notes)
    if not args.no_record:
        append_record(
            "Backend throughput",
            "bench/backend/run.py: PostgreSQL with fsync and synchronous_commit on, the app "
            "under uvicorn, the load generator (and the agent's journal) on the same machine.",
            f"{summary}\n\n{notes}",
            clean=clean,
        )


if __name__ == "__main__":
    main()
