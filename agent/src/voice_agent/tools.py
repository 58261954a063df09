"""What the assistant's function tools do, kept apart from the Agent so it can be tested alone:
the spoken time and date, and the user's notes (through the backend, or in memory)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from .persistence import BackendClient, BackendError

logger = logging.getLogger("voice_agent.tools")

Clock = Callable[[], dt.datetime]
MAX_NOTE_CHARS = 500


def system_clock(timezone: str) -> Clock:
    zone = ZoneInfo(timezone)
    return lambda: dt.datetime.now(zone)


def spoken_time(now: dt.datetime) -> str:
    """``3:04 PM`` (no leading zero, as it is said)."""
    hour = now.hour % 12 or 12
    return f"{hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"


def spoken_date(now: dt.datetime) -> str:
    """``Friday, January 2, 2026``."""
    return f"{now:%A}, {now:%B} {now.day}, {now.year}"


def describe_now(now: dt.datetime) -> str:
    return f"It's {spoken_time(now)} on {spoken_date(now)}."


class NotesUnavailable(Exception):
    """The notes could not be read or saved; the message is short enough to say."""


class NoteStore(Protocol):
    durable: bool  # False: the notes end with the session

    async def add(self, text: str) -> None: ...

    async def list(self) -> list[str]: ...


class MemoryNotes:
    """Notes for this session only (no backend configured)."""

    durable = False

    def __init__(self) -> None:
        self._notes: list[str] = []

    async def add(self, text: str) -> None:
        self._notes.append(text)

    async def list(self) -> list[str]:
        return list(self._notes)


class BackendNotes:
    """The room's user's notes through the backend agent API, cached after the first read."""

    durable = True

    def __init__(
        self,
        client: BackendClient,
        room: str,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self._room = room
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._user_id: str | None = None
        self._cache: list[str] | None = None

    async def _user(self) -> str:
        if self._user_id is None:
            try:
                self._user_id = (await self._client.get_conversation(self._room)).user_id
            except BackendError as e:
                logger.warning("no conversation for the notes", extra={"status": e.status})
                raise NotesUnavailable("I can't reach my notes right now.") from None
        return self._user_id

    async def add(self, text: str) -> None:
        user = await self._user()
        try:
            await self._client.put_note(
                user, f"note_{uuid.uuid4().hex}", text=text, created_at=self._clock()
            )
        except BackendError as e:
            logger.warning("could not save a note", extra={"status": e.status})
            raise NotesUnavailable("I couldn't save that note right now.") from None
        if self._cache is not None:
            self._cache.append(text)

    async def list(self) -> list[str]:
        if self._cache is None:
            user = await self._user()
            try:
                self._cache = [n.text for n in await self._client.list_notes(user)]
            except BackendError as e:
                logger.warning("could not read the notes", extra={"status": e.status})
                raise NotesUnavailable("I can't reach my notes right now.") from None
        return list(self._cache)


def clean_note(text: str) -> str:
    text = " ".join(text.split()).strip(" .!?")
    if not text:
        raise NotesUnavailable("There was nothing to remember.")
    if len(text) > MAX_NOTE_CHARS:
        raise NotesUnavailable("That note is too long to keep.")
    return text


_PERSON = {"i": "you", "me": "you", "my": "your", "mine": "yours", "i'm": "you're", "am": "are"}
_PERSON_RE = re.compile(r"\b(?:i'm|i|me|my|mine|am)\b", re.IGNORECASE)


def second_person(text: str) -> str:
    """``my cat is called Tom`` -> ``your cat is called Tom`` (for saying a note back)."""
    return _PERSON_RE.sub(lambda m: _PERSON[m.group(0).lower()], text)


async def remember(store: NoteStore, text: str) -> str:
    """Saves a note; returns what to say."""
    note = clean_note(text)
    await store.add(note)
    if store.durable:
        return f"Okay, I'll remember that {second_person(note)}."
    return f"Okay, I'll remember that {second_person(note)}, but only until this session ends."


async def recall(store: NoteStore) -> str:
    """What to say about the saved notes."""
    notes = await store.list()
    if not notes:
        return "You haven't asked me to remember anything yet."
    if len(notes) == 1:
        return f"You asked me to remember that {second_person(notes[0])}."
    return "You asked me to remember: " + "; ".join(second_person(n) for n in notes) + "."
