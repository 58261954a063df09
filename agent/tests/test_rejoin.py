"""A user who rejoins with a new identity is listened to again (rejoin.py); an agent joining,
or the linked user's own connection again, changes nothing. The real stack's version:
test_rejoin_integration.py and web/e2e/rejoin.spec.ts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from livekit import rtc
from voice_agent.rejoin import Rejoin

pytestmark = pytest.mark.unit

STANDARD = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT


@dataclass
class _Participant:
    identity: str
    kind: int = STANDARD


@dataclass
class _RoomInput:
    linked: _Participant | None = None
    links: list[str | None] = field(default_factory=list)

    @property
    def linked_participant(self) -> _Participant | None:
        return self.linked

    def set_participant(self, participant_identity: str | None) -> None:
        self.links.append(participant_identity)


def _joined(room: rtc.Room, participant: _Participant) -> None:
    room.emit("participant_connected", participant)


async def test_a_user_back_with_a_new_identity_is_linked() -> None:
    room = rtc.Room()
    room_input = _RoomInput(linked=None)  # the user left: the framework unlinked them
    Rejoin(room, room_input).attach()  # type: ignore[arg-type]
    _joined(room, _Participant("alice-0a0a0a"))
    assert room_input.links == ["alice-0a0a0a"]


async def test_a_new_connection_while_the_old_lingers_is_linked() -> None:
    room = rtc.Room()
    room_input = _RoomInput(linked=_Participant("alice-0a0a0a"))  # a dropped network
    Rejoin(room, room_input).attach()  # type: ignore[arg-type]
    _joined(room, _Participant("alice-1b1b1b"))
    assert room_input.links == ["alice-1b1b1b"]


async def test_agents_and_the_linked_user_change_nothing() -> None:
    room = rtc.Room()
    room_input = _RoomInput(linked=_Participant("alice-0a0a0a"))
    Rejoin(room, room_input).attach()  # type: ignore[arg-type]
    _joined(room, _Participant("agent-AJ_2", kind=AGENT))
    _joined(room, _Participant("alice-0a0a0a"))
    assert room_input.links == []
