"""Migration 0009 fills the analytics columns of conversations and messages stored before it
(choices from the room metadata, counts, each reply's voice-to-voice figure), on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from app.core import migrate

pytestmark = pytest.mark.db

STARTED = "2026-01-01 10:00:00"


def test_0009_backfills_choices_counts_and_latency(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url, "0008")
    cid = uuid.uuid4()
    engine = create_engine(empty_db_url)
    key = cid.hex if engine.dialect.name == "sqlite" else str(cid)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO conversations (id, room_name, user_id, status, started_at, "
                "room_metadata) VALUES (:id, 'r1', 'u1', 'ended', :at, :meta)"
            ),
            {
                "id": key,
                "at": STARTED,
                "meta": '{"persona": "guide", "voice": "amy", "language": "en"}',
            },
        )
        rows = [
            ("m1", "user", "{}", False),
            ("m2", "assistant", '{"e2e_ms": 640.5, "ttft_ms": 200}', True),
            ("m3", "user", "{}", False),
            ("m4", "assistant", '{"ttft_ms": 100}', False),
        ]
        for mid, role, latency, cut in rows:
            conn.execute(
                text(
                    "INSERT INTO messages (conversation_id, message_id, role, text, created_at, "
                    "latency, interrupted) VALUES (:c, :m, :r, 'x', :at, :l, :i)"
                ),
                {"c": key, "m": mid, "r": role, "at": STARTED, "l": latency, "i": cut},
            )
        for eid, kind in (("e1", "error"), ("e2", "error"), ("e3", "fallback"), ("e4", "info")):
            conn.execute(
                text(
                    "INSERT INTO conversation_events (conversation_id, event_id, kind, source, "
                    "detail, created_at) VALUES (:c, :e, :k, 'llm', '', :at)"
                ),
                {"c": key, "e": eid, "k": kind, "at": STARTED},
            )
    engine.dispose()

    migrate.upgrade(empty_db_url)
    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        conversation = conn.execute(
            text(
                "SELECT persona, voice, language, provider, turns, interruptions, errors, "
                "fallbacks FROM conversations"
            )
        ).one()
        v2v = conn.execute(text("SELECT message_id, v2v_ms FROM messages ORDER BY message_id"))
        assert tuple(conversation) == ("guide", "amy", "en", None, 2, 1, 2, 1)
        assert [tuple(row) for row in v2v] == [
            ("m1", None),
            ("m2", 640.5),
            ("m3", None),
            ("m4", None),
        ]
    engine.dispose()
