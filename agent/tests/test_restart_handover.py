"""After a livekit-server restart (restart_handover.py) the job hands its call to a fresh
agent once the user is back, leaving when that agent has joined, and only after a full
reconnect (a new session id), not a resume. Fake rooms; the real stack's version:
agent/tests/test_drain_integration.py and web/e2e/reconnect.spec.ts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from livekit import rtc
from voice_agent.restart_handover import RestartHandover

pytestmark = pytest.mark.unit

AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
STANDARD = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD


@dataclass
class _Participant:
    identity: str
    sid: str = "PA_first"
    kind: int = STANDARD


class _Room(rtc.EventEmitter[Any]):
    def __init__(self) -> None:
        super().__init__()
        self.name = "room-1"
        self.local_participant = _Participant("agent-AJ_old", kind=AGENT)
        self.remote_participants: dict[str, _Participant] = {}
        self.connected = True

    def isconnected(self) -> bool:
        return self.connected

    def reconnect(self, *, new_session: bool, users: tuple[str, ...] = ()) -> None:
        """The room's "reconnected"; a full reconnect drops everyone from the old server."""
        if new_session:
            self.local_participant.sid = "PA_second"
            self.remote_participants = {}
        for user in users:
            self.remote_participants[user] = _Participant(user)
        self.emit("reconnected")


class _Handover:
    """A handover whose dispatches bring an agent into the room, unless ``arrives`` is False."""

    def __init__(self, room: _Room, *, arrives: bool = True) -> None:
        self.room = room
        self.arrives = arrives
        self.dispatched: list[str] = []
        self.left = 0
        self.handover = RestartHandover(
            room,  # type: ignore[arg-type]
            dispatch=self._dispatch,
            leave=self._leave,
            settle_s=0.1,
            poll_s=0.01,
            attempts=3,
            arrival_s=0.05,
        )
        self.handover.attach()

    async def _dispatch(self, replaces: str) -> None:
        self.dispatched.append(replaces)
        if self.arrives:
            name = f"agent-AJ_new{len(self.dispatched)}"
            self.room.remote_participants[name] = _Participant(name, kind=AGENT)

    def _leave(self) -> None:
        self.left += 1


async def _settle() -> None:
    await asyncio.sleep(0.2)


async def test_after_a_restart_the_call_goes_to_a_fresh_agent_once_the_user_is_back() -> None:
    room = _Room()
    watch = _Handover(room)
    room.reconnect(new_session=True)
    await _settle()
    assert (watch.dispatched, watch.left) == ([], 0)  # the user is not back yet
    room.remote_participants["alice"] = _Participant("alice")
    await _settle()
    assert watch.dispatched == ["agent-AJ_old"]  # the new agent does not yield to this one
    assert watch.left == 1


async def test_a_user_back_before_the_job_is_handed_over_too() -> None:
    room = _Room()
    watch = _Handover(room)
    room.reconnect(new_session=True, users=("alice",))
    await _settle()
    assert (watch.dispatched, watch.left) == (["agent-AJ_old"], 1)


async def test_a_dispatch_that_brings_no_agent_is_made_again_then_the_job_leaves() -> None:
    # made before the restarted server had the worker registered again: LiveKit drops it
    room = _Room()
    watch = _Handover(room, arrives=False)
    room.reconnect(new_session=True, users=("alice",))
    await _settle()
    assert watch.dispatched == ["agent-AJ_old"] * 3
    assert watch.left == 1


async def test_a_resumed_connection_keeps_its_call() -> None:
    room = _Room()
    room.remote_participants["alice"] = _Participant("alice")
    watch = _Handover(room)
    room.reconnect(new_session=False, users=("alice",))
    await _settle()
    assert (watch.dispatched, watch.left) == ([], 0)


async def test_another_agent_already_serving_the_user_is_left_the_call() -> None:
    room = _Room()
    watch = _Handover(room)
    room.reconnect(new_session=True)
    # the page came back meanwhile with a new room, which dispatched an agent
    room.remote_participants["agent-AJ_new"] = _Participant("agent-AJ_new", kind=AGENT)
    room.remote_participants["alice"] = _Participant("alice")
    await _settle()
    assert (watch.dispatched, watch.left) == ([], 1)


async def test_a_failed_dispatch_still_leaves_the_room_to_the_backend_reconcile() -> None:
    room = _Room()
    left: list[bool] = []

    async def refuse(_replaces: str) -> None:
        raise ConnectionError("livekit-server unreachable")

    RestartHandover(
        room,  # type: ignore[arg-type]
        dispatch=refuse,
        leave=lambda: left.append(True),
        settle_s=0.1,
        poll_s=0.01,
    ).attach()
    room.reconnect(new_session=True)
    room.remote_participants["alice"] = _Participant("alice")
    await _settle()
    assert left == [True]


async def test_a_room_gone_before_the_user_came_back_ends_the_watch() -> None:
    room = _Room()
    watch = _Handover(room)
    room.reconnect(new_session=True)
    room.connected = False
    await _settle()
    assert (watch.dispatched, watch.left) == ([], 0)
    await watch.handover.aclose()
