"""TranscriptRecorder: session items -> the journal -> the backend, in order, idempotent,
latency in ms."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from backend_helpers import in_process_client, journaled_writes, new_room
from livekit.agents import ConversationItemAddedEvent, llm
from voice_agent.persistence import TranscriptRecorder, latency_ms

pytestmark = pytest.mark.unit


def _event(item: llm.ChatMessage) -> ConversationItemAddedEvent:
    return ConversationItemAddedEvent(item=item)


def test_latency_is_converted_to_ms_and_unknown_keys_dropped() -> None:
    metrics = {
        "transcription_delay": 0.1234,
        "end_of_turn_delay": 0.3,
        "llm_node_ttft": 0.25,
        "tts_node_ttfb": 0.05,
        "e2e_latency": 0.9,
        "llm_node_tps": 42.0,  # not a latency
        "started_speaking_at": 1700000000.0,  # a timestamp
        "stt_metadata": {"model_name": "x"},
    }
    assert latency_ms(metrics) == {
        "transcription_ms": 123.4,
        "end_of_turn_ms": 300.0,
        "ttft_ms": 250.0,
        "ttfb_ms": 50.0,
        "e2e_ms": 900.0,
    }
    assert latency_ms(None) == {} and latency_ms({"e2e_latency": -1.0}) == {}


async def test_user_and_agent_messages_are_stored_in_order(
    backend_app: Any, journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    room = await new_room(backend_app)
    client = in_process_client(backend_app)
    journal, sender = journaled_writes(backend_app, journal_dir)
    recorder = TranscriptRecorder(sender, room)
    user = llm.ChatMessage(
        role="user",
        content=["What time is it?"],
        metrics={"transcription_delay": 0.12, "end_of_turn_delay": 0.3},
        created_at=1_700_000_000.0,
    )
    agent = llm.ChatMessage(
        role="assistant",
        content=["It is noon."],
        interrupted=True,
        metrics={"llm_node_ttft": 0.2, "tts_node_ttfb": 0.08, "e2e_latency": 0.65},
        created_at=1_700_000_001.5,
    )
    caplog.set_level(logging.DEBUG, logger="voice_agent")
    recorder.on_item(_event(user))
    recorder.on_item(_event(agent))
    recorder.on_item(_event(agent))  # the same item again: still one row
    # skipped: no text, and roles that are not part of the transcript
    recorder.on_item(_event(llm.ChatMessage(role="assistant", content=[""])))
    recorder.on_item(_event(llm.ChatMessage(role="system", content=["be nice"])))
    assert await recorder.aflush(timeout_s=10)

    stored = await client.list_messages(room)
    assert [(m.id, m.role, m.text) for m in stored] == [
        (user.id, "user", "What time is it?"),
        (agent.id, "assistant", "It is noon."),
    ]
    assert stored[0].latency == {"transcription_ms": 120.0, "end_of_turn_ms": 300.0}
    assert stored[1].latency == {"ttft_ms": 200.0, "ttfb_ms": 80.0, "e2e_ms": 650.0}
    assert (stored[0].interrupted, stored[1].interrupted) == (False, True)
    assert stored[1].created_at.timestamp() == 1_700_000_001.5
    assert (sender.sent, sender.dropped, journal.count()) == (3, 0, 0)
    assert "What time is it?" not in caplog.text and "It is noon." not in caplog.text
    await sender.aclose()
    await client.aclose()


async def test_a_refused_write_is_dropped_without_text_and_the_others_still_go(
    backend_app: Any, journal_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    room = await new_room(backend_app)
    client = in_process_client(backend_app)
    journal, sender = journaled_writes(backend_app, journal_dir)
    recorder = TranscriptRecorder(sender, room)
    first = llm.ChatMessage(role="user", content=["hi"])
    bad = llm.ChatMessage(role="user", content=["private words"], id="bad id with spaces")
    good = llm.ChatMessage(role="user", content=["hello"])
    for item in (first, bad, good):  # one batch, refused as a whole, then sent one by one
        recorder.on_item(_event(item))
    assert await recorder.aflush(timeout_s=10)
    assert (sender.sent, sender.dropped, journal.count()) == (2, 1, 0)
    assert [m.id for m in await client.list_messages(room)] == [first.id, good.id]
    assert "could not persist" in caplog.text and "private words" not in caplog.text
