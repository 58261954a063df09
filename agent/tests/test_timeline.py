"""Errors and fallbacks reach the conversation's timeline in the real backend (in-process)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from backend_helpers import BASE, journaled_writes, new_room
from livekit.agents import APIConnectionError
from voice_agent import observability
from voice_agent.persistence import TimelineRecorder
from voice_agent.persistence.timeline import providers_detail

pytestmark = pytest.mark.unit


async def conversation_events(app: Any, room: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        page = (await c.get("/api/conversations")).json()
        (conversation,) = [item for item in page["items"] if item["room_name"] == room]
        detail = (await c.get(f"/api/conversations/{conversation['id']}")).json()
    events: list[dict[str, Any]] = detail["events"]
    return events


async def test_recorded_errors_and_fallbacks_are_saved_in_order(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    _, sender = journaled_writes(backend_app, journal_dir)
    timeline = TimelineRecorder(sender, room)
    stop = observability.add_listener(timeline.add)
    try:
        observability.record_error("llm", APIConnectionError())
        observability.record_fallback("llm", "openai")
        assert await timeline.aflush(timeout_s=5)
    finally:
        stop()
        await sender.aclose()

    events = await conversation_events(backend_app, room)
    assert [(e["kind"], e["source"]) for e in events] == [("error", "llm"), ("fallback", "llm")]
    assert "connection" in events[0]["detail"]
    assert "openai" in events[1]["detail"]


async def test_after_the_job_stops_listening_nothing_more_is_sent(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    journal, sender = journaled_writes(backend_app, journal_dir)
    timeline = TimelineRecorder(sender, room)
    stop = observability.add_listener(timeline.add)
    stop()
    observability.record_fallback("tts", "openai")
    assert await timeline.aflush(timeout_s=5)
    await sender.aclose()
    assert journal.count() == 0
    assert await conversation_events(backend_app, room) == []


async def test_backend_errors_are_counted_but_not_sent_to_the_failing_backend() -> None:
    told: list[tuple[str, str, str]] = []
    stop = observability.add_listener(lambda *event: told.append(event))
    try:
        observability.record_error("backend", httpx.ConnectError("refused"))
        observability.record_error("tts", APIConnectionError())
    finally:
        stop()
    assert [(kind, source) for kind, source, _ in told] == [("error", "tts")]


def test_with_jobs_as_threads_each_job_hears_only_its_own_errors() -> None:
    """Jobs as threads share the process: an error on one job's thread (its event loop) is
    not another job's."""
    heard: dict[str, list[str]] = {"one": [], "two": []}
    ready, done = threading.Barrier(2), threading.Barrier(2)

    def job(name: str, source: str) -> None:
        stop = observability.add_listener(lambda _kind, src, _detail: heard[name].append(src))
        ready.wait()
        observability.record_error(source, APIConnectionError())
        done.wait()
        stop()

    threads = [
        threading.Thread(target=job, args=("one", "llm")),
        threading.Thread(target=job, args=("two", "tts")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert heard == {"one": ["llm"], "two": ["tts"]}


async def test_the_calls_providers_reach_the_conversation(
    backend_app: Any, journal_dir: Path
) -> None:
    room = await new_room(backend_app)
    _, sender = journaled_writes(backend_app, journal_dir)
    timeline = TimelineRecorder(sender, room)
    timeline.add_providers(stt="local", llm="openai", tts="local")
    assert await timeline.aflush(timeout_s=5)
    await sender.aclose()

    events = await conversation_events(backend_app, room)
    assert [(e["kind"], e["source"], e["detail"]) for e in events] == [
        ("info", "agent", "providers: stt=local llm=openai tts=local")
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        report = (await c.get("/api/analytics", params={"by": "provider"})).json()
    assert [row["key"] for row in report["breakdown"]] == ["stt=local llm=openai tts=local"]


def test_one_provider_for_everything_is_named_once() -> None:
    assert providers_detail(stt="openai", llm="openai", tts="openai") == "openai"
