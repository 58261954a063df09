"""A user who comes back to the call (a page reload, a network drop) is heard again.

The user leaving does not end the session (``close_on_disconnect`` off in ``main.py``): a
page reload looks the same to LiveKit as a hang-up. The agent waits in the room with its
context; the backend's grace (``BACKEND_REJOIN_GRACE_SECONDS``) is the room's departure
timeout, after which LiveKit closes the room and the job ends, without a goodbye. A hang-up
is explicit: the page asks the backend, which deletes the room.

The rejoining user has a new identity (every token gets its own), which the framework's room
input does not follow: it stays linked to the identity that left. Linking the newest
participant that is not an agent here also covers a rejoin after a network drop, where the
old connection lingers until LiveKit notices it is gone. Only the conversation's user can
get a token for its room, so any such participant is that user.
"""

from __future__ import annotations

import logging
from typing import Protocol

from livekit import rtc

logger = logging.getLogger("voice_agent")


class LinkedInput(Protocol):
    """What is used of the framework's RoomIO."""

    @property
    def linked_participant(self) -> rtc.RemoteParticipant | None: ...

    def set_participant(self, participant_identity: str | None) -> None: ...


class Rejoin:
    def __init__(self, room: rtc.Room, room_io: LinkedInput) -> None:
        self._room = room
        self._room_io = room_io

    def attach(self) -> None:
        """Follow rejoins (call once the session has started)."""
        self._room.on("participant_connected", self._on_connected)

    def _on_connected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            return
        linked = self._room_io.linked_participant
        if linked is not None and linked.identity == participant.identity:
            return
        logger.info(
            "user rejoined: listening to the new connection",
            extra={"room": self._room.name, "participant": participant.identity},
        )
        self._room_io.set_participant(participant.identity)
