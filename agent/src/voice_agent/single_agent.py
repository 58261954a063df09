"""One agent per call: of two agents of ours in a room, the one that joined it later leaves.

Two can meet after a livekit-server restart: the page may reconnect before the agent's job
does, so the page creates the room again and its token's room configuration dispatches a
new agent; then the old job reconnects too, and both would answer every question. Each job
applies the same rule, whatever the order: when it joins (at its start, and on its own
reconnect), when another agent of ours joins, and every quarter second (a reconnected room
updates its own join time only after saying so: livekit 1.1.21, seen against a restarted
livekit-server 1.13.5), the one with the later ``joined_at`` (as livekit-server stamped it;
a tie goes by identity) leaves. Both read the same two stamps, so exactly one stays. The
one that stays has been in the room longer: it holds the call's context (an agent
dispatched again reloads the history, complete since writes are journaled), and the one
that joined later has mostly said no more than a greeting.

Leaving is quiet (``RoomRelease.leave``): the session ends without a word, the transcript is
flushed as usual, the room stays for the user, and the job process exits normally, so the
worker does not re-dispatch it (``recovery.py`` acts on failed processes only).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from livekit import rtc
from livekit.agents.types import ATTRIBUTE_AGENT_NAME

logger = logging.getLogger(__name__)

LEAVE_REASON = "another agent serves the room"
# how often the room is looked at besides its events (a few remote participants: cheap)
CHECK_INTERVAL_S = 0.25


class Member(Protocol):
    """What is read of a participant (``rtc.Participant`` is one)."""

    @property
    def identity(self) -> str: ...

    @property
    def kind(self) -> int: ...

    @property
    def attributes(self) -> Mapping[str, str]: ...

    @property
    def joined_at(self) -> datetime | None: ...


def yields_to(me: Member, other: Member, gone: frozenset[str] = frozenset()) -> bool:
    """Whether ``me`` leaves the room to ``other``: ``other`` is an agent of ours that joined
    it first (ties by identity). An unknown join time decides nothing, and neither does an
    agent in ``gone``: one whose job died, this job's reason to exist (``recovery.py``),
    whose participant stays until LiveKit notices (~20 s)."""
    if other.identity == me.identity or other.kind != rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
        return False
    if other.identity in gone:
        return False
    name = me.attributes.get(ATTRIBUTE_AGENT_NAME)
    if name is None or other.attributes.get(ATTRIBUTE_AGENT_NAME) != name:
        return False
    if me.joined_at is None or other.joined_at is None:
        return False
    return (other.joined_at, other.identity) < (me.joined_at, me.identity)


class SingleAgent:
    def __init__(
        self,
        room: rtc.Room,
        *,
        gone: frozenset[str] = frozenset(),
        interval_s: float = CHECK_INTERVAL_S,
    ) -> None:
        """``gone``: agents whose job died (named in this job's dispatch): never yielded to."""
        self._room = room
        self._gone = gone
        self._interval_s = interval_s
        self._leave: Callable[[], None] | None = None
        self._left = False
        self._task: asyncio.Task[None] | None = None

    def first_agent(self) -> Member | None:
        """An agent of ours that was in the room before this one, if any."""
        if not self._room.isconnected():
            return None
        me = self._room.local_participant
        others = self._room.remote_participants.values()
        return next((other for other in others if yields_to(me, other, self._gone)), None)

    def attach(self, leave: Callable[[], None]) -> None:
        """Check now, on every agent that joins, on every reconnect, and every ``interval_s``;
        ``leave`` (once) when another agent of ours was there first. Call in the job's loop."""
        self._leave = leave
        self._room.on("participant_connected", self._check)
        self._room.on("reconnected", self._check)
        self._check()
        if not self._left:
            self._task = asyncio.create_task(self._poll())

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _poll(self) -> None:
        # after a full reconnect the room says "reconnected" before it updates this
        # participant's join time (livekit 1.1.21): until then this job still looks first
        while not self._left:
            await asyncio.sleep(self._interval_s)
            self._check()

    def _check(self, *_event: object) -> None:
        if self._left or self._leave is None:
            return
        first = self.first_agent()
        if first is None:
            return
        self._left = True
        logger.warning(
            "another agent serves the room: leaving it quietly",
            extra={"room": self._room.name, "agent": first.identity},
        )
        self._leave()
