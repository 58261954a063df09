"""The agent's write journal replayed against the real backend (a server process, on SQLite
and on PostgreSQL): writes sent again after a crash, and the same writes sent by two
senders at once, leave one row per message id, in order."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_backend import LiveBackend, start_backend
from sqlalchemy import create_engine, text
from voice_agent.persistence import BackendClient, Journal, JournalSender
from voice_agent.persistence.backend_client import event_body, message_body

pytestmark = pytest.mark.db

USER_KEY = "journal-user-key-0123456789"
AGENT_TOKEN = "journal-agent-token-" + "y" * 24
T0 = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.fixture
def live(tmp_path: Path, db_url: str) -> Iterator[LiveBackend]:
    backend = start_backend(
        tmp_path, DATABASE_URL=db_url, AGENT_SERVICE_TOKEN=AGENT_TOKEN, BACKEND_API_KEYS=USER_KEY
    )
    try:
        yield backend
    finally:
        backend.stop()


def new_room(backend: LiveBackend) -> str:
    response = httpx.post(
        backend.url() + "/api/conversations",
        json={},
        headers={"Authorization": f"Bearer {USER_KEY}"},
    )
    assert response.status_code == 201, response.text
    room: str = response.json()["conversation"]["room_name"]
    return room


def journal_writes(journal: Journal, rooms: list[str]) -> list[tuple[str, str]]:
    """60 messages over two rooms, interleaved, and an event; (room, id) of each message."""
    written: list[tuple[str, str]] = []
    for i in range(60):
        room = rooms[0] if i % 3 else rooms[1]
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
    client = BackendClient(backend.url(), AGENT_TOKEN, retries=0)
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
    rooms = [new_room(live), new_room(live)]
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
