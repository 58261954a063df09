"""The tools' behaviour without a session: spoken time, notes in the backend and in memory."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from backend_helpers import BASE, in_process_client, new_room
from pydantic import ValidationError
from voice_agent.persistence import BackendClient
from voice_agent.settings import AgentSettings
from voice_agent.tools import (
    BackendNotes,
    MemoryNotes,
    NotesUnavailable,
    describe_now,
    recall,
    remember,
    second_person,
    spoken_date,
    spoken_time,
    system_clock,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [(0, 5, "12:05 AM"), (9, 30, "9:30 AM"), (12, 0, "12:00 PM"), (15, 4, "3:04 PM")],
)
def test_spoken_time(hour: int, minute: int, said: str) -> None:
    assert spoken_time(dt.datetime(2026, 1, 2, hour, minute, tzinfo=dt.UTC)) == said


def test_describe_now_says_time_and_date() -> None:
    now = dt.datetime(2026, 1, 2, 15, 4, 59, tzinfo=dt.UTC)
    assert spoken_date(now) == "Friday, January 2, 2026"
    assert describe_now(now) == "It's 3:04 PM on Friday, January 2, 2026."


def test_system_clock_uses_the_configured_zone() -> None:
    now = system_clock("Asia/Tokyo")()
    assert now.utcoffset() == dt.timedelta(hours=9)
    assert now.tzinfo == ZoneInfo("Asia/Tokyo")


def test_timezone_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AgentSettings().timezone == "UTC"
    monkeypatch.setenv("AGENT_TIMEZONE", "Europe/Berlin")
    assert AgentSettings().timezone == "Europe/Berlin"
    with pytest.raises(ValidationError, match="unknown time zone"):
        AgentSettings(timezone="Mars/Olympus")


def test_second_person() -> None:
    assert second_person("my cat is called Tom") == "your cat is called Tom"
    assert second_person("I'm allergic to nuts, tell me") == "you're allergic to nuts, tell you"


async def test_memory_notes_say_they_do_not_last() -> None:
    store = MemoryNotes()
    assert await recall(store) == "You haven't asked me to remember anything yet."
    said = await remember(store, "  my cat is called Tom. ")
    assert (
        said == "Okay, I'll remember that your cat is called Tom, but only until this session ends."
    )
    await remember(store, "the dentist is on Friday")
    assert await store.list() == ["my cat is called Tom", "the dentist is on Friday"]
    assert await recall(store) == (
        "You asked me to remember: your cat is called Tom; the dentist is on Friday."
    )


async def test_empty_or_huge_notes_are_refused() -> None:
    with pytest.raises(NotesUnavailable, match="nothing to remember"):
        await remember(MemoryNotes(), " . ")
    with pytest.raises(NotesUnavailable, match="too long"):
        await remember(MemoryNotes(), "x" * 501)


async def test_backend_notes_are_stored_for_the_rooms_user(backend_app: Any) -> None:
    client = in_process_client(backend_app)
    room = await new_room(backend_app)
    store = BackendNotes(client, room)
    assert await store.list() == []
    said = await remember(store, "my cat is called Tom")
    assert said == "Okay, I'll remember that your cat is called Tom."
    await remember(store, "the dentist is on Friday")

    user = (await client.get_conversation(room)).user_id
    stored = await client.list_notes(user)
    assert [n.text for n in stored] == ["my cat is called Tom", "the dentist is on Friday"]
    assert all(n.id.startswith("note_") for n in stored)
    # a new session in a later room of the same user reads them back from the backend
    again = BackendNotes(in_process_client(backend_app), room)
    assert "your cat is called Tom" in await recall(again)


async def test_backend_notes_unknown_room_or_backend_down() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = BackendClient(BASE, "t" * 40, retries=0, transport=httpx.MockTransport(refuse))
    with pytest.raises(NotesUnavailable, match="can't reach my notes"):
        await BackendNotes(down, "room-1").list()


async def test_backend_notes_for_a_room_without_conversation(backend_app: Any) -> None:
    store = BackendNotes(in_process_client(backend_app), "never-seen")
    with pytest.raises(NotesUnavailable):
        await remember(store, "something")
