"""A (re)joining agent reloads the room's transcript and carries on from it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from backend_helpers import (
    BASE,
    dispatch_metadata,
    in_process_client,
    journaled_writes,
    new_dispatched_room,
    new_room,
)
from livekit.agents import AgentSession
from test_session import ScriptedLLM
from voice_agent import main
from voice_agent.assistant import Assistant
from voice_agent.persistence import BackendClient, TranscriptRecorder, load_history
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


async def _room_with_history(app: Any, client: BackendClient) -> str:
    room = await new_room(app)
    await client.put_message(room, "item_u1", role="user", text="My name is Ada.", created_at=T0)
    await client.put_message(
        room,
        "item_a1",
        role="assistant",
        text="Nice to meet you, Ada.",
        created_at=T0 + dt.timedelta(seconds=2),
        interrupted=True,
    )
    return room


async def test_load_history_returns_the_messages_in_order_with_ids(backend_app: Any) -> None:
    client = in_process_client(backend_app)
    room = await _room_with_history(backend_app, client)
    ctx = await load_history(client, room)
    assert ctx is not None
    messages = ctx.messages()
    assert [(m.id, m.role, m.text_content) for m in messages] == [
        ("item_u1", "user", "My name is Ada."),
        ("item_a1", "assistant", "Nice to meet you, Ada."),
    ]
    assert messages[0].created_at == T0.timestamp()
    assert messages[1].interrupted is True


async def test_no_history_for_a_new_or_unknown_room(backend_app: Any) -> None:
    client = in_process_client(backend_app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        room = (await c.post("/api/token", json={})).json()["room_name"]
    assert await load_history(client, room) is None
    assert await load_history(client, "never-seen") is None


async def test_backend_down_means_no_history_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = BackendClient(
        BASE, "t" * 40, retries=1, backoff_s=0.0, transport=httpx.MockTransport(refuse)
    )
    with caplog.at_level(logging.WARNING, logger="voice_agent.persistence"):
        assert await load_history(client, "room-1") is None
    assert any(r.levelno == logging.WARNING and "history" in r.getMessage() for r in caplog.records)


async def test_a_returning_session_greets_back_and_the_llm_sees_the_earlier_turns(
    backend_app: Any, journal_dir: Path
) -> None:
    client = in_process_client(backend_app)
    room = await _room_with_history(backend_app, client)
    history = await load_history(client, room)
    settings = AgentSettings(returning_greeting="Welcome back, Ada!", greeting="Hello stranger.")
    scripted = ScriptedLLM("You are Ada.")
    journal, sender = journaled_writes(backend_app, journal_dir)
    recorder = TranscriptRecorder(sender, room)
    async with AgentSession(llm=scripted) as session:
        recorder.attach(session)
        await session.start(Assistant(settings, chat_ctx=history))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        said = [m.text_content for m in session.history.messages() if m.role == "assistant"]
        assert said == ["Welcome back, Ada!"]
        await session.run(user_input="What is my name?")
        # the preloaded messages are the agent's context, not this session's new items
        assert "item_u1" not in {m.id for m in session.history.messages()}
    assert await recorder.aflush(timeout_s=10)
    await sender.aclose()

    [ctx] = scripted.seen
    seen = [(m.role, m.text_content) for m in ctx.messages() if m.role != "system"]
    assert seen == [
        ("user", "My name is Ada."),
        ("assistant", "Nice to meet you, Ada."),
        ("assistant", "Welcome back, Ada!"),
        ("user", "What is my name?"),
    ]
    stored = await client.list_messages(room)
    assert [(m.role, m.text) for m in stored] == [
        ("user", "My name is Ada."),
        ("assistant", "Nice to meet you, Ada."),
        ("assistant", "Welcome back, Ada!"),
        ("user", "What is my name?"),
        ("assistant", "You are Ada."),
    ]
    assert (sender.dropped, journal.count()) == (0, 0)


async def test_a_first_session_uses_the_first_time_greeting() -> None:
    settings = AgentSettings(returning_greeting="Welcome back!", greeting="Hello stranger.")
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await session.start(Assistant(settings))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        said = [m.text_content for m in session.history.messages() if m.role == "assistant"]
    assert said == ["Hello stranger."]


class _FakeJob:
    """The JobContext parts start_persistence uses."""

    def __init__(self, room: str, dispatch_metadata: str = "") -> None:
        self.room = SimpleNamespace(name=room)
        self.job = SimpleNamespace(metadata=dispatch_metadata)
        self.shutdown_callbacks: list[Callable[[str], Awaitable[None]]] = []

    def add_shutdown_callback(self, callback: Callable[[str], Awaitable[None]]) -> None:
        self.shutdown_callbacks.append(callback)


async def test_entrypoint_wiring_loads_history_records_and_flushes_at_shutdown(
    backend_app: Any, backend_token: str
) -> None:
    room = await _room_with_history(backend_app, in_process_client(backend_app))
    settings = AgentSettings(backend_url=BASE, service_token=backend_token)
    job = _FakeJob(room, dispatch_metadata(backend_app, room))
    async with AgentSession(llm=ScriptedLLM("Still Ada.")) as session:
        history = await main.start_persistence(
            job,  # type: ignore[arg-type]
            settings,
            session,
            transport=httpx.ASGITransport(app=backend_app),
        )
        assert history is not None and len(history.messages()) == 2
        await session.start(Assistant(settings, chat_ctx=history))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
        await session.run(user_input="Who am I?")
    [flush] = job.shutdown_callbacks
    await flush("job_shutdown")
    stored = await in_process_client(backend_app).list_messages(room)
    assert [m.text for m in stored][2:] == [
        "Welcome back! Where were we?",
        "Who am I?",
        "Still Ada.",
    ]


async def test_a_job_records_with_the_credential_of_its_dispatch(backend_app: Any) -> None:
    room, dispatch_metadata = await new_dispatched_room(backend_app)
    # a service token the backend refuses: only the job's own credential can work
    settings = AgentSettings(backend_url=BASE, service_token="not-the-backends-token-0123456789")
    job = _FakeJob(room, dispatch_metadata)
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        await main.start_persistence(
            job,  # type: ignore[arg-type]
            settings,
            session,
            transport=httpx.ASGITransport(app=backend_app),
        )
        await session.start(Assistant(settings))
        assert session.current_speech is not None
        await session.current_speech.wait_for_playout()
    [flush] = job.shutdown_callbacks
    await flush("job_shutdown")
    stored = await in_process_client(backend_app).list_messages(room)
    assert [m.text for m in stored] == [settings.greeting]


async def test_persistence_off_without_a_backend_url() -> None:
    job = _FakeJob("room-1")
    async with AgentSession(llm=ScriptedLLM("unused")) as session:
        assert await main.start_persistence(job, AgentSettings(backend_url=None), session) is None  # type: ignore[arg-type]
    assert job.shutdown_callbacks == []
