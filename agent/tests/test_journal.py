"""The write journal: on disk before a write counts, sent in order, idempotent by id, kept
while the backend is down, and replayed after the process that wrote it was killed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from backend_helpers import BASE, credential_for, in_process_client, journaled_writes, new_room
from voice_agent.persistence import (
    BackendClient,
    DurableWrites,
    Journal,
    JournalSender,
    load_history,
)
from voice_agent.persistence.backend_client import event_body, message_body, with_id
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def body(text: str, seconds: int, role: str = "user") -> dict[str, Any]:
    at = T0 + dt.timedelta(seconds=seconds)
    return message_body(role=role, text=text, created_at=at)  # type: ignore[arg-type]


async def stored(app: Any, room: str) -> list[tuple[str, str]]:
    client = in_process_client(app)
    try:
        return [(m.id, m.text) for m in await client.list_messages(room)]
    finally:
        await client.aclose()


class Refusing(httpx.AsyncBaseTransport):
    """A proxy in front of the backend that answers 503 to the first ``failures`` requests."""

    def __init__(self, app: Any, failures: int) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.failures = failures
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests <= self.failures:
            return httpx.Response(503, json={"detail": "unavailable"})
        return await self._inner.handle_async_request(request)


async def test_writes_reach_the_backend_in_order_in_batches_with_events_between(
    backend_app: Any, journal_dir: Path
) -> None:
    rooms = [await new_room(backend_app), await new_room(backend_app)]
    journal, sender = journaled_writes(backend_app, journal_dir)
    for i in range(6):
        sender.write(rooms[i % 2], "message", f"m{i}", body(f"text {i}", i))
    event = event_body(kind="error", source="llm", detail="timeout", created_at=T0)
    sender.write(rooms[0], "event", "e1", event)
    sender.write(rooms[0], "message", "m6", body("text 6", 6))
    assert await sender.aflush(timeout_s=10)
    await sender.aclose()
    assert await stored(backend_app, rooms[0]) == [
        ("m0", "text 0"),
        ("m2", "text 2"),
        ("m4", "text 4"),
        ("m6", "text 6"),
    ]
    assert [m for m, _ in await stored(backend_app, rooms[1])] == ["m1", "m3", "m5"]
    assert (sender.sent, journal.count()) == (8, 0)


async def test_a_write_sent_twice_leaves_one_row(backend_app: Any, journal_dir: Path) -> None:
    """The backend took a batch but the sender died before removing it: the replay is
    harmless."""
    room = await new_room(backend_app)
    journal, sender = journaled_writes(backend_app, journal_dir)
    for i in range(3):
        journal.append(room, "message", f"m{i}", body(f"text {i}", i))
    await sender.send(journal.pending())  # delivered and removed ...
    for i in range(3):  # ... and, as after a crash before the removal, in the journal again
        journal.append(room, "message", f"m{i}", body(f"text {i}", i))
    assert await sender.aflush(timeout_s=10)
    await sender.aclose()
    assert [m for m, _ in await stored(backend_app, room)] == ["m0", "m1", "m2"]


async def test_writes_wait_out_a_backend_outage_without_a_retry_cap(
    backend_app: Any, journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    room = await new_room(backend_app)
    journal = Journal(journal_dir)
    proxy = Refusing(backend_app, failures=8)  # the old client gave up after 4 attempts
    client = BackendClient(BASE, credential_for(backend_app, room), retries=0, transport=proxy)
    sender = JournalSender(journal, client, max_backoff_s=0.05)
    for i in range(4):
        sender.write(room, "message", f"m{i}", body(f"secret {i}", i))
    assert await sender.aflush(timeout_s=30)
    await sender.aclose()
    assert proxy.requests > proxy.failures
    assert [m for m, _ in await stored(backend_app, room)] == [
        "m0",
        "m1",
        "m2",
        "m3",
    ]
    assert (sender.dropped, journal.count()) == (0, 0)
    assert "not taken" in caplog.text and "secret" not in caplog.text


async def test_an_unsent_write_outlives_its_sender_and_goes_with_the_next(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    journal = Journal(journal_dir)
    down = BackendClient("http://127.0.0.1:9", "t" * 40, retries=0, timeout_s=0.5)
    sender = JournalSender(journal, down, max_backoff_s=0.05)
    sender.write(room, "message", "m0", body("before the outage ended", 0))
    assert not await sender.aflush(timeout_s=0.5)  # nothing reachable: kept
    await sender.aclose()
    await down.aclose()
    assert journal.count() == 1
    journal.close()

    # the worker's sender in the same process (jobs as threads): a closed handle's entries
    reopened = Journal(journal_dir)
    again = JournalSender(reopened, in_process_client(backend_app, retries=0), adopt_orphans=True)
    assert await again.aflush(timeout_s=10)
    await again.aclose()
    assert await stored(backend_app, room) == [("m0", "before the outage ended")]
    assert reopened.count() == 0


def test_jobs_as_threads_each_send_only_their_own_writes(journal_dir: Path) -> None:
    """Every job thread shares the worker's process: each job's handle sends its own writes
    only (another job's credential would be refused, and the write dropped); the worker's
    handle takes a job's once that job has closed its handle, never a running one's."""
    one = Journal(journal_dir, credential="job one")
    two = Journal(journal_dir, credential="job two")
    worker = Journal(journal_dir)
    one.append("room-1", "message", "a", body("to room one", 0))
    two.append("room-2", "message", "b", body("to room two", 1))
    assert [e.write_id for e in one.pending()] == ["a"]
    assert [e.write_id for e in two.pending()] == ["b"]
    assert worker.adopt_orphans() == 0 and worker.pending() == []
    one.close()
    assert worker.adopt_orphans() == 1
    assert [(e.room, e.write_id) for e in worker.pending()] == [("room-1", "a")]
    assert worker.credential_for("room-1") == "job one"
    assert [e.write_id for e in two.pending()] == ["b"]
    two.close()
    worker.close()


def test_a_journal_from_before_handles_gives_its_writes_to_the_worker(journal_dir: Path) -> None:
    """Writes journaled before entries named their handle: the worker's sender adopts them."""
    old = Journal(journal_dir)
    old.append("room-1", "message", "a", body("from an older version", 0))
    old.close()
    db = sqlite3.connect(journal_dir / "journal.sqlite3")
    db.execute("UPDATE writes SET owner_handle = ''")
    db.commit()
    db.close()
    job, worker = Journal(journal_dir), Journal(journal_dir)
    assert job.pending() == []
    assert worker.adopt_orphans() == 1
    assert [e.write_id for e in worker.pending()] == ["a"]
    job.close()
    worker.close()


CHILD = textwrap.dedent(
    """
    import sys, time, datetime as dt
    from pathlib import Path
    from voice_agent.persistence import Journal
    from voice_agent.persistence.backend_client import message_body

    journal = Journal(Path(sys.argv[1]), credential=sys.argv[4] or None)  # the job's
    for i in range(int(sys.argv[3])):
        at = dt.datetime(2026, 3, 4, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
        said = message_body(role="user", text=f"said before the crash {i}", created_at=at)
        journal.append(sys.argv[2], "message", f"c{i}", said)
    print("journaled", flush=True)
    time.sleep(600)
    """
)


def worker_writes(app: Any, service_token: str) -> DurableWrites:
    """The worker's own journal and sender (``WorkerReplay``): it holds only the service
    token, which opens no conversation, and sends a gone job's writes with the credential
    that job stored with them."""
    settings = AgentSettings(backend_url=BASE, service_token=service_token)
    writes = DurableWrites.from_settings(
        settings, adopt_orphans=True, transport=httpx.ASGITransport(app=app)
    )
    assert writes is not None
    return writes


def journal_in_a_child(journal_dir: Path, room: str, count: int, credential: str) -> None:
    """``count`` writes journaled by a job process that then exits."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD.replace("time.sleep(600)", ""), str(journal_dir), room]
        + [str(count), credential],
        check=True,
        capture_output=True,
    )
    assert child.returncode == 0


async def test_writes_of_a_killed_process_are_replayed_in_order(
    backend_app: Any, backend_token: str, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    credential = credential_for(backend_app, room)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(journal_dir), room, "5", credential],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "journaled"
        writes = worker_writes(backend_app, backend_token)
        journal, sender = writes.journal, writes.sender
        assert journal.adopt_orphans() == 0  # alive: its writes are its own to send
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.stdout is not None
        child.stdout.close()

    assert journal.adopt_orphans() == 5
    assert await sender.aflush(timeout_s=10)
    await writes.aclose()
    assert await stored(backend_app, room) == [
        (f"c{i}", f"said before the crash {i}") for i in range(5)
    ]
    assert sender.dropped == 0


async def test_the_worker_sender_adopts_orphans_by_itself(
    backend_app: Any, backend_token: str, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    journal_in_a_child(journal_dir, room, 2, credential_for(backend_app, room))
    writes = worker_writes(backend_app, backend_token)
    writes.sender.start()
    for _ in range(200):
        if writes.journal.count() == 0:
            break
        await asyncio.sleep(0.05)
    await writes.aclose()
    assert [m for m, _ in await stored(backend_app, room)] == ["c0", "c1"]


async def test_a_gone_jobs_writes_without_a_credential_are_dropped_not_kept_for_ever(
    backend_app: Any, backend_token: str, journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Writes journaled with no job credential (by an agent before this change, or a job
    dispatched without one) cannot be replayed with the worker's token: the backend refuses
    them (403), they are dropped with a warning, and the other rooms' writes go on."""
    without, room = await new_room(backend_app), await new_room(backend_app)
    journal_in_a_child(journal_dir, without, 2, "")
    journal_in_a_child(journal_dir, room, 2, credential_for(backend_app, room))
    writes = worker_writes(backend_app, backend_token)
    writes.journal.adopt_orphans()
    assert await writes.sender.aflush(timeout_s=10)
    await writes.aclose()
    assert [m for m, _ in await stored(backend_app, room)] == ["c0", "c1"]
    assert await stored(backend_app, without) == []
    assert writes.sender.dropped == 2
    assert "refused by the backend, dropped" in caplog.text


async def test_the_worker_sender_flushed_at_its_stop_sends_what_a_job_just_left(
    backend_app: Any, backend_token: str, journal_dir: Path
) -> None:
    """The drain's last step (WorkerReplay.aclose): the job processes have just stopped with
    writes unsent; the worker's flush takes them at once, not at its next adoption round."""
    room = await new_room(backend_app)
    journal = Journal(journal_dir)
    # as the worker's (WorkerReplay): the service token, and each gone job's own credential
    client = BackendClient(
        BASE,
        backend_token,
        retries=0,
        transport=httpx.ASGITransport(app=backend_app),
        room_credential=journal.credential_for,
    )
    # its next adoption round is a minute away
    sender = JournalSender(
        journal, client, adopt_orphans=True, idle_poll_s=0.05, adopt_every_s=60.0
    )
    sender.start()
    assert await sender.aflush(timeout_s=10)  # nothing to send yet: it has just looked
    journal_in_a_child(journal_dir, room, 3, credential_for(backend_app, room))
    assert await sender.aflush(timeout_s=10)
    await sender.aclose()
    assert journal.count() == 0
    assert [m for m, _ in await stored(backend_app, room)] == ["c0", "c1", "c2"]


async def test_a_resumed_job_sees_the_messages_still_in_the_journal(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    client = in_process_client(backend_app)
    await client.put_message(room, "m0", role="user", text="sent", created_at=T0)
    journal = Journal(journal_dir)
    journal.append(room, "message", "m0", body("sent", 0))
    journal.append(room, "message", "m1", body("still journaled", 1, role="assistant"))
    journal.append("another-room", "message", "x", body("not this room", 2))
    ctx = await load_history(client, room, journaled=journal.room_messages(room))
    await client.aclose()
    assert ctx is not None
    assert [(m.id, m.text_content) for m in ctx.messages()] == [
        ("m0", "sent"),
        ("m1", "still journaled"),
    ]


def test_the_journal_is_private_to_its_user(journal_dir: Path) -> None:
    journal = Journal(journal_dir)
    journal.append("room", "message", "m0", body("private", 0))
    files = list(journal_dir.iterdir())
    assert {f.name for f in files} >= {"journal.sqlite3", "journal.sqlite3-wal"}
    assert stat.S_IMODE(journal_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    journal.close()


def test_writes_over_the_age_or_size_limit_are_dropped_with_an_error(
    journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(journal_dir, max_bytes=64 * 1024, max_age_s=3600)
    journal.append("room", "message", "old", body("old", 0))
    assert journal.enforce_limits() == 0
    assert journal.enforce_limits(now=dt.datetime.now(dt.UTC).timestamp() + 7200) == 1
    assert "older than the age limit" in caplog.text

    for i in range(200):
        journal.append("room", "message", f"m{i}", body("x" * 1000, i))
    dropped = journal.enforce_limits()
    assert dropped > 0 and journal.used_bytes() <= 64 * 1024
    assert "over its size limit" in caplog.text
    kept = [e.write_id for e in journal.pending(limit=1000)]
    assert kept == [f"m{i}" for i in range(200 - len(kept), 200)]  # the newest are kept
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    journal.close()


def test_a_journaled_body_goes_into_a_batch_as_it_was_written() -> None:
    """The sender adds the id to the journal's JSON text without decoding it: the result is
    the same message as ``{"id": ..., **body}``, whatever the body."""
    text = json.dumps(body('quote " and ünïcode', 1))
    assert json.loads(with_id('m"1', text)) == {"id": 'm"1', **json.loads(text)}
    assert json.loads(with_id("m2", " {} ")) == {"id": "m2"}
    assert json.loads(with_id("m3", '{ "role": "user"}')) == {"id": "m3", "role": "user"}


async def test_a_slow_disk_does_not_hold_the_job_s_event_loop(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    disk_free = threading.Event()

    class SlowDisk(Journal):
        def append_json(self, *args: Any) -> None:
            # a commit waiting for fsync; were write() to wait for it, nothing would free it
            assert disk_free.wait(5), "the event loop waited for the disk"
            super().append_json(*args)

    client = in_process_client(backend_app)
    sender = JournalSender(SlowDisk(journal_dir), client)
    sender.write(room, "message", "m0", body("said while the disk was busy", 0))
    sender.write(room, "message", "m1", body("and after", 1))
    disk_free.set()  # reached only because write() returned before its commit
    assert await sender.aflush(timeout_s=10)
    await sender.aclose()
    await client.aclose()
    assert sender.failed == 0
    assert await stored(backend_app, room) == [
        ("m0", "said while the disk was busy"),
        ("m1", "and after"),
    ]


async def test_a_write_the_journal_cannot_store_is_counted_and_logged_without_its_text(
    backend_app: Any, journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    room = await new_room(backend_app)

    class FullDisk(Journal):
        def append_json(self, *args: Any) -> None:
            raise sqlite3.OperationalError("database or disk is full")

    client = in_process_client(backend_app)
    sender = JournalSender(FullDisk(journal_dir), client)
    with caplog.at_level(logging.ERROR, logger="voice_agent.persistence"):
        sender.write(room, "message", "m0", body("a private sentence", 0))
        await sender.aclose()  # every write asked for has been tried
    await client.aclose()
    assert sender.failed == 1
    assert "could not store a write" in caplog.text and "private" not in caplog.text
