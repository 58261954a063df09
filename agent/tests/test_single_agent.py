"""Two agents of ours in one room (single_agent.py): the one that joined later leaves, quietly,
the room left standing, whichever side sees the other first. Fake rooms; the real stack's
version of the race: a livekit-server restart where the page comes back first (see
docs/reliability.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from livekit import rtc
from livekit.agents import CloseEvent, CloseReason
from livekit.agents.types import ATTRIBUTE_AGENT_NAME
from voice_agent.room_release import RoomRelease
from voice_agent.single_agent import LEAVE_REASON, SingleAgent, yields_to

pytestmark = pytest.mark.unit

AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
STANDARD = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@dataclass
class _Participant:
    identity: str
    joined_at: datetime | None
    kind: int = AGENT
    attributes: dict[str, str] = field(
        default_factory=lambda: {ATTRIBUTE_AGENT_NAME: "voice-assistant"}
    )


def _agent(identity: str, joined_s: float) -> _Participant:
    return _Participant(identity, T0 + timedelta(seconds=joined_s))


def _user(identity: str = "alice") -> _Participant:
    return _Participant(identity, T0, kind=STANDARD, attributes={})


class _Room(rtc.EventEmitter[Any]):
    def __init__(self, me: _Participant, *others: _Participant) -> None:
        super().__init__()
        self.name = "room-1"
        self.local_participant = me
        self.remote_participants = {p.identity: p for p in others}
        self.connected = True

    def isconnected(self) -> bool:
        return self.connected

    def join(self, participant: _Participant) -> None:
        self.remote_participants[participant.identity] = participant
        self.emit("participant_connected", participant)


def _watch(room: _Room) -> list[str]:
    """Whom SingleAgent makes leave the room (checks every 10 ms besides the events)."""
    left: list[str] = []
    single = SingleAgent(room, interval_s=0.01)  # type: ignore[arg-type]
    single.attach(lambda: left.append(room.local_participant.identity))
    return left


async def _until(condition: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout=5)


# --- the rule ---


def test_the_agent_that_joined_later_yields_and_the_first_stays() -> None:
    first, later = _agent("agent-AJ_old", 5), _agent("agent-AJ_new", 2)
    first.joined_at = T0 + timedelta(seconds=1)
    assert yields_to(later, first)
    assert not yields_to(first, later)


def test_a_tie_goes_by_identity_so_exactly_one_leaves() -> None:
    a, b = _agent("agent-AJ_a", 3), _agent("agent-AJ_b", 3)
    assert [yields_to(a, b), yields_to(b, a)] == [False, True]


@pytest.mark.parametrize(
    "other",
    [
        _user(),  # the user
        _Participant("agent-AJ_x", T0, attributes={ATTRIBUTE_AGENT_NAME: "another-agent"}),
        _Participant("agent-AJ_y", T0, attributes={}),
        _Participant("agent-AJ_z", None),  # no join time known
        _Participant("agent-AJ_me", T0),  # itself
    ],
)
def test_nobody_else_makes_an_agent_leave(other: _Participant) -> None:
    assert not yields_to(_agent("agent-AJ_me", 10), other)


# --- the wiring: every order converges on one agent ---


async def test_a_new_agent_that_finds_the_call_served_leaves_at_once() -> None:
    room = _Room(_agent("agent-AJ_new", 10), _agent("agent-AJ_old", 1), _user())
    assert SingleAgent(room).first_agent() is not None  # type: ignore[arg-type]
    assert _watch(room) == ["agent-AJ_new"]


async def test_the_old_job_back_after_the_new_one_leaves_on_its_reconnect() -> None:
    # the page came back first: the new agent joined at 5 s; the old job's reconnect made it
    # join again at 8 s (livekit-server stamps the new join)
    old = _Room(_agent("agent-AJ_old", 1), _user())
    new = _Room(_agent("agent-AJ_new", 5), _user())
    left_old, left_new = _watch(old), _watch(new)
    old.local_participant.joined_at = T0 + timedelta(seconds=8)
    old.remote_participants["agent-AJ_new"] = new.local_participant
    old.emit("reconnected")
    new.join(old.local_participant)
    assert (left_old, left_new) == (["agent-AJ_old"], [])


async def test_a_join_time_updated_after_the_reconnect_is_still_seen() -> None:
    # livekit 1.1.21: "reconnected" comes while the room still holds this job's join time of
    # the old server; the new one arrives later, with no event
    old = _Room(_agent("agent-AJ_old", 1), _user())
    new = _Room(_agent("agent-AJ_new", 5), _user())
    left_old, left_new = _watch(old), _watch(new)
    old.join(new.local_participant)
    old.emit("reconnected")
    new.join(_agent("agent-AJ_old", 8))
    assert (left_old, left_new) == ([], [])  # for now both look first to themselves
    old.local_participant.joined_at = T0 + timedelta(seconds=8)
    await _until(lambda: bool(left_old))
    assert (left_old, left_new) == (["agent-AJ_old"], [])


async def test_an_agent_that_joins_later_is_not_a_reason_to_leave_and_leaving_is_once() -> None:
    room = _Room(_agent("agent-AJ_old", 1))
    left = _watch(room)
    room.join(_user())
    room.join(_agent("agent-AJ_new", 5))
    assert left == []
    room.join(_agent("agent-AJ_first", 0))  # an earlier join time: this one leaves, once
    room.emit("reconnected")
    assert left == ["agent-AJ_old"]


async def test_nothing_is_decided_while_disconnected() -> None:
    room = _Room(_agent("agent-AJ_new", 10), _agent("agent-AJ_old", 1))
    room.connected = False
    assert _watch(room) == []
    room.connected = True
    room.emit("reconnected")
    assert _watch(room) == ["agent-AJ_new"]


async def test_the_room_is_looked_at_again_until_the_job_ends() -> None:
    room = _Room(_agent("agent-AJ_new", 10))
    left: list[str] = []
    single = SingleAgent(room, interval_s=0.01)  # type: ignore[arg-type]
    single.attach(lambda: left.append("agent-AJ_new"))
    room.remote_participants["agent-AJ_old"] = _agent("agent-AJ_old", 1)  # no event
    await _until(lambda: bool(left))
    await single.aclose()


# --- leaving: quiet, the room left standing ---


class _Session(rtc.EventEmitter[Any]):
    pass


class _JobContext:
    def __init__(self, room: _Room) -> None:
        self.room = room
        self.shutdowns: list[str] = []
        self.deletes = 0

    def add_shutdown_callback(self, _callback: object) -> None:
        pass

    def shutdown(self, reason: str) -> None:
        self.shutdowns.append(reason)

    def delete_room(self) -> Any:
        self.deletes += 1
        return None


def _closed(session: _Session) -> None:
    session.emit("close", CloseEvent(reason=CloseReason.USER_INITIATED))


async def test_leaving_shuts_the_job_down_without_deleting_the_room() -> None:
    ctx = _JobContext(_Room(_agent("agent-AJ_new", 10), _agent("agent-AJ_old", 1)))
    session = _Session()
    release = RoomRelease(ctx, session)  # type: ignore[arg-type]
    release.attach()
    SingleAgent(ctx.room).attach(lambda: release.leave(LEAVE_REASON))  # type: ignore[arg-type]
    assert ctx.shutdowns == [LEAVE_REASON]
    _closed(session)  # the shutdown closes the session: no user in the room at that moment
    assert ctx.deletes == 0


def test_without_leaving_a_session_closed_with_no_user_deletes_the_room() -> None:
    # the contrast: the same close, not a leave, is the end of the call
    ctx = _JobContext(_Room(_agent("agent-AJ_old", 1)))
    session = _Session()
    RoomRelease(ctx, session).attach()  # type: ignore[arg-type]
    _closed(session)
    assert ctx.deletes == 1


async def test_a_replacement_does_not_yield_to_the_dead_agent_it_replaces() -> None:
    """A job process killed mid-call: its participant stays in the room until LiveKit times
    it out (~20 s); the agent dispatched to replace it must not leave to that ghost."""
    ghost = _agent("agent-AJ_dead", 1)
    me = _agent("agent-AJ_new", 10)
    room = _Room(me, ghost, _user())
    single = SingleAgent(room, gone=frozenset({"agent-AJ_dead"}), interval_s=0.01)  # type: ignore[arg-type]
    left: list[str] = []
    single.attach(lambda: left.append(me.identity))
    await asyncio.sleep(0.05)
    await single.aclose()
    assert left == []
    # another live agent of ours that was there first still counts
    assert yields_to(me, _agent("agent-AJ_live", 2), frozenset({"agent-AJ_dead"}))
