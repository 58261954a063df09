"""The agent's write journal replayed against the real backend (a server process, on SQLite
and on PostgreSQL): writes sent again after a crash, and the same writes sent by two
senders at once, leave one row per message id, in order; the writes of a job process that
died are sent by the worker, which holds no credential for any conversation, with the one
the job stored with them, also once it has expired."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from job_credentials import JOB_SECRET
from live_backend import LiveBackend, start_backend
from sqlalchemy import create_engine, text
from voice_agent.persistence import BackendClient, DurableWrites, Journal, JournalSender
from voice_agent.persistence.backend_client import event_body, job_credential, message_body
from voice_agent.settings import AgentSettings

from app.core import job_credential as minting
from app.core.config import Settings
from app.core.job_credential import JobScope
from app.core.security import user_id_for_key

pytestmark = pytest.mark.db

USER_KEY = "journal-user-key-0123456789"
AGENT_TOKEN = "journal-agent-token-" + "y" * 24
T0 = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.fixture
def live(tmp_path: Path, db_url: str) -> Iterator[LiveBackend]:
    backend = start_backend(
        tmp_path,
        DATABASE_URL=db_url,
        AGENT_SERVICE_TOKEN=AGENT_TOKEN,
        BACKEND_JOB_CREDENTIAL_SECRET=JOB_SECRET,
        BACKEND_API_KEYS=USER_KEY,
    )
    try:
        yield backend
    finally:
        backend.stop()


def new_room(backend: LiveBackend) -> tuple[str, str]:
    """A new conversation's room and the dispatch metadata its job gets (its credential)."""
    response = httpx.post(
        backend.url() + "/api/conversations",
        json={},
        headers={"Authorization": f"Bearer {USER_KEY}"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    claims = jwt.decode(
        body["connection"]["participant_token"], options={"verify_signature": False}
    )
    [dispatch] = claims["roomConfig"]["agents"]
    return body["conversation"]["room_name"], str(dispatch["metadata"])


def journal_writes(journal: Journal, rooms: dict[str, str]) -> list[tuple[str, str]]:
    """60 messages over two rooms (name: the dispatch metadata of its job), interleaved,
    and an event, each with its room's job credential; (room, id) of each message."""
    written: list[tuple[str, str]] = []
    names = list(rooms)
    for i in range(60):
        room = names[0] if i % 3 else names[1]
        journal.credential = job_credential(rooms[room])  # as that room's job stores it
        at = T0 + dt.timedelta(seconds=i)
        role = "user" if i % 2 == 0 else "assistant"
        body = message_body(role=role, text=f"turn {i}", created_at=at)  # type: ignore[arg-type]
        journal.append(room, "message", f"m{i:03d}", body)
        written.append((room, f"m{i:03d}"))
        if i == 30:
            event = event_body(kind="fallback", source="llm", detail="next provider", created_at=at)
            journal.append(room, "event", "e030", event)
    return written


def sender(journal: Journal, backend: LiveBackend) -> JournalSender:
    """A sender like the worker's: each room's writes go with the credential stored with them."""
    client = BackendClient(
        backend.url(), AGENT_TOKEN, retries=0, room_credential=journal.credential_for
    )
    return JournalSender(journal, client, batch_messages=16, max_backoff_s=0.1)


def rows(db_url: str) -> list[tuple[str, str, int]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(
                text(
                    "SELECT c.room_name, m.message_id, count(*) OVER (PARTITION BY "
                    "m.conversation_id, m.message_id) FROM messages m JOIN conversations c "
                    "ON c.id = m.conversation_id ORDER BY c.room_name, m.created_at, m.pk"
                )
            )
            return [(r[0], r[1], r[2]) for r in result]
    finally:
        engine.dispose()


def events(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM conversation_events")).scalar_one())
    finally:
        engine.dispose()


def test_replayed_and_concurrent_writes_leave_one_row_each_in_order(
    live: LiveBackend, db_url: str, tmp_path: Path
) -> None:
    rooms = dict([new_room(live), new_room(live)])
    first = Journal(tmp_path / "worker-a")
    written = journal_writes(first, rooms)

    async def replay() -> None:
        a = sender(first, live)
        await a.send(first.pending(limit=25))  # delivered; then the process "crashed" before
        journal_writes(first, rooms)  # removing them: the same writes are journaled again
        second = Journal(tmp_path / "worker-b")  # and another worker holds them too
        journal_writes(second, rooms)
        b = sender(second, live)
        done = await asyncio.gather(a.aflush(timeout_s=60), b.aflush(timeout_s=60))
        assert done == [True, True]
        assert (first.count(), second.count(), a.dropped, b.dropped) == (0, 0, 0, 0)
        for s in (a, b):
            await s.aclose()

    asyncio.run(replay())
    stored = rows(db_url)
    assert all(count == 1 for *_, count in stored), "a message id was stored twice"
    expected: dict[str, list[str]] = {room: [] for room in rooms}
    for room, message_id in written:
        expected[room].append(message_id)
    for room in rooms:
        assert [m for r, m, _ in stored if r == room] == expected[room]
    assert events(db_url) == 1


JOB = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from pathlib import Path
    from voice_agent.persistence import Journal
    from voice_agent.persistence.backend_client import event_body, message_body

    folder, room, credential = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    journal = Journal(folder, credential=credential)  # what a job's DurableWrites opens
    at = dt.datetime(2026, 5, 6, tzinfo=dt.UTC)
    for i in range(3):
        said = message_body(role="user", text=f"said before the job died {i}", created_at=at)
        journal.append(room, "message", f"d{i}", said)
    event = event_body(kind="error", source="llm", detail="job died", created_at=at)
    journal.append(room, "event", "died", event)
    """
)


@pytest.mark.parametrize("expired", [False, True], ids=["fresh", "expired"])
def test_the_worker_replays_a_dead_jobs_writes_with_its_credential(
    live: LiveBackend, db_url: str, tmp_path: Path, expired: bool
) -> None:
    """A job journals writes and dies before sending them; the worker, whose service token
    opens no conversation (403), sends them with the credential the job stored with them:
    they land, also once that credential has expired (after a long outage), within the
    backend's write grace."""
    room, metadata = new_room(live)
    credential = job_credential(metadata)
    assert credential is not None
    if expired:  # the same job's credential, minted a day and an hour ago by this backend
        settings = Settings(
            livekit_api_key="k",
            livekit_api_secret="s",
            agent_service_token=AGENT_TOKEN,
            job_credential_secret=JOB_SECRET,
        )
        scope = JobScope(json.loads(metadata)["conversation_id"], room, user_id_for_key(USER_KEY))
        credential = minting.mint(settings, scope, now=time.time() - 86400 - 3600)
        assert credential is not None
    folder = tmp_path / "journal"
    job = [sys.executable, "-c", JOB, str(folder), room, credential]
    subprocess.run(job, check=True, capture_output=True)
    worker = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    refused = httpx.get(f"{live.url()}/api/agent/conversations/{room}/messages", headers=worker)
    assert refused.status_code == 403

    async def replay() -> tuple[int, int]:
        settings = AgentSettings(
            backend_url=live.url(), service_token=AGENT_TOKEN, journal={"dir": folder}
        )
        writes = DurableWrites.from_settings(settings, adopt_orphans=True)
        assert writes is not None
        assert writes.journal.adopt_orphans() == 4
        assert await writes.sender.aflush(timeout_s=60)
        left, dropped = writes.journal.count(), writes.sender.dropped
        await writes.aclose()
        return left, dropped

    assert asyncio.run(replay()) == (0, 0)
    assert [m for r, m, _ in rows(db_url) if r == room] == ["d0", "d1", "d2"]
    assert events(db_url) == 1
