"""A call whose agent vanished gets a new one: the backend's periodic reconcile.

The agent worker re-dispatches a job whose process died (agent/recovery.py); this covers the
rest, such as a whole worker killed with its calls. Workers report the rooms they serve
every few seconds (app.core.agent_capacity). A room that stops being reported for
``grace_s`` while its conversation is active, its user is in the room and no agent is, gets
the agent dispatched again through LiveKit's dispatch service, marked as a resumption (the
new agent reloads the history and says it lost the user for a moment). A dispatch that
brought no agent within another ``grace_s`` (no worker registered yet: a restarting one) is
tried again; none is made while no worker that takes calls reports (LiveKit would drop it:
a restarting worker has not registered yet). At most ``max_attempts`` per room; a room
unserved longer than ``give_up_s`` is forgotten.

A room whose agent died while its user was away (a page reload, a network drop: the worker's
own recovery acts only with the user there) is held, not forgotten: LiveKit keeps it for
the rejoin grace, and the user who comes back gets the agent then. A user joining wakes the
loop (``Wakeup``, from the participant_joined webhook), so that takes no tick. The room is
forgotten once LiveKit closes it (the conversation ends) or after ``give_up_s``.

A call whose agent never came is watched the same way from its user's participant_joined
(``AgentCapacity.expect``): LiveKit drops a dispatch when no worker has room at that moment
(the backend admitted the call from reports a few seconds old). Its dispatch is a first one
(the greeting, not the resume line) while the conversation has no message.

A whole worker killed leaves its agents' participants listed until LiveKit notices them gone
(~20 s), and the reconcile does not dispatch beside an agent. An agent of ours in a room that
no live worker reports, listed for longer than ``report_ttl_s`` (a live worker would have
reported its room by then), is such a ghost: with its user there, it is removed through
LiveKit's RoomService and the new agent is dispatched naming it (``"replaces"``: the new
agent does not yield to it, agent/single_agent.py). Only while this reconcile has run without
a pause of over half ``report_ttl_s``: after a pause (the backend stopped) the reports it
reads are old, and a live worker's agents would look like ghosts.
"""

from __future__ import annotations

import asyncio
import enum
import json
import time
from collections import defaultdict
from collections.abc import Iterable

import aiohttp
from livekit import api
from sqlalchemy.orm import Session, sessionmaker

from app import crud
from app.core import job_credential
from app.core.agent_capacity import AgentCapacity, CapacityUnavailable
from app.core.config import Settings
from app.core.room_metadata import dispatch_metadata
from app.core.wakeup import Wakeup
from app.log import logger

AGENT_NAME_ATTRIBUTE = "lk.agent.name"  # set by LiveKit on an agent's participant

GIVE_UP_S = 120.0
# how long a dead agent's participant may stay listed (LiveKit notices it gone after ~20 s)
GHOST_LINGER_S = 30.0


class Step(enum.Enum):
    """What the reconcile does for an unreported room, from who is in it."""

    WAIT = "wait"  # an agent is listed (coming, or dead and not noticed by LiveKit yet)
    HOLD = "hold"  # nobody: the user may rejoin within the grace
    DISPATCH = "dispatch"  # the user is there, no agent
    GIVE_UP = "give_up"  # the user is there, but the agent was dispatched too often


def next_step(kinds: Iterable[int], *, attempts: int, max_attempts: int) -> Step:
    """``kinds``: the room's participants' kinds (``api.ParticipantInfo.Kind``)."""
    listed = list(kinds)
    if api.ParticipantInfo.Kind.AGENT in listed:
        return Step.WAIT
    if not listed:
        return Step.HOLD
    if attempts >= max_attempts:
        return Step.GIVE_UP
    return Step.DISPATCH


def ghosts(
    participants: Iterable[api.ParticipantInfo], *, agent_name: str, now: float, min_age_s: float
) -> list[str]:
    """The identities of the agents listed in a room that no live worker reports, when every
    one of them is a ghost: ours, and in the room for ``min_age_s`` or longer (a new agent's
    worker reports its room within that). Else none: a new agent may be among them."""
    kind = api.ParticipantInfo.Kind.AGENT
    agents = [p for p in participants if p.kind == kind]
    for p in agents:
        ours = p.attributes.get(AGENT_NAME_ATTRIBUTE) == agent_name
        if not ours or p.joined_at <= 0 or now - p.joined_at < min_age_s:
            return []
    return [p.identity for p in agents]


class Redispatcher:
    def __init__(
        self,
        settings: Settings,
        capacity: AgentCapacity,
        sessions: sessionmaker[Session],
        livekit: api.LiveKitAPI,
        *,
        grace_s: float,
        give_up_s: float = GIVE_UP_S,
        max_attempts: int = 3,
        report_ttl_s: float | None = None,
    ) -> None:
        """``report_ttl_s``: how long a worker's report counts (ghosts are removed only when
        given)."""
        self._settings = settings
        self._capacity = capacity
        self._sessions = sessions
        self._livekit = livekit
        self._grace_s = grace_s
        self._give_up_s = give_up_s
        self._max_attempts = max_attempts
        self._attempts: defaultdict[str, int] = defaultdict(int)
        self._dispatched_at: dict[str, float] = {}
        self._report_ttl_s = report_ttl_s
        self._last_pass: float | None = None
        self._watching_since = 0.0  # passes without a pause since

    async def run(self, interval_s: float, wakeup: Wakeup | None = None) -> None:
        """A pass every ``interval_s``, and at once when ``wakeup`` is set (a user joined)."""
        while True:
            try:
                await self.reconcile()
            except CapacityUnavailable:
                logger.warning("reconcile skipped: capacity store unavailable")
            if wakeup is None:
                await asyncio.sleep(interval_s)
            else:
                await wakeup.wait(interval_s)

    async def reconcile(self, now: float | None = None) -> list[str]:
        """One pass; the rooms it dispatched an agent to."""
        now = time.time() if now is None else now
        paused = self._last_pass is None or now - self._last_pass > (self._report_ttl_s or 0) / 2
        if paused:
            self._watching_since = now
        self._last_pass = now
        workers = self._capacity.workers(self._settings.agent_name)
        live = {r for w in workers for r in w.rooms}
        # LiveKit drops a dispatch no registered worker takes: wait for one with a free call
        # (a restarting one, or one whose other calls end)
        ready = any(w.free for w in workers)
        dispatched = []
        for room, last_seen in self._capacity.served_rooms().items():
            if room in live:
                self._dispatched_at.pop(room, None)
                continue
            if now - max(last_seen, self._dispatched_at.get(room, 0.0)) < self._grace_s:
                continue
            if now - last_seen > self._give_up_s or not self._active(room):
                self._forget(room)
                continue
            if await self._redispatch(room, now, ready=ready):
                self._dispatched_at[room] = now
                dispatched.append(room)
        return dispatched

    def _active(self, room: str) -> bool:
        with self._sessions() as session:
            conversation = crud.get_conversation_by_room(session, room_name=room)
            return conversation is not None and conversation.status == "active"

    def resume_metadata(self, room: str, replaces: Iterable[str] = ()) -> str:
        """The new job's dispatch metadata: the conversation's stored choice and a fresh
        credential for it, naming the dead agents it ``replaces``; a resumption (the agent
        says it lost the user) once the conversation has a message, else a first dispatch."""
        gone = {"replaces": list(replaces)} if replaces else {}
        with self._sessions() as session:
            conversation = crud.get_conversation_by_room(session, room_name=room)
            if conversation is None:
                return json.dumps({"resume": True, **gone})
            data = json.loads(
                dispatch_metadata(
                    conversation_id=str(conversation.id),
                    user_id=conversation.user_id,
                    stored=conversation.room_metadata,
                    credential=job_credential.for_conversation(self._settings, conversation),
                )
            )
            said = crud.list_messages(session, conversation_id=conversation.id, newest=1)
        return json.dumps({**data, **({"resume": True} if said else {}), **gone})

    def _forget(self, room: str) -> None:
        self._capacity.forget(room)
        self._attempts.pop(room, None)
        self._dispatched_at.pop(room, None)

    def _ghosts(self, participants: list[api.ParticipantInfo], now: float) -> list[str]:
        """The ghost agents to remove from a room whose user is there (see the module doc)."""
        ttl = self._report_ttl_s
        if ttl is None or now - self._watching_since < ttl:
            return []
        if all(p.kind == api.ParticipantInfo.Kind.AGENT for p in participants):
            return []  # nobody to serve: LiveKit removes them soon enough
        return ghosts(participants, agent_name=self._settings.agent_name, now=now, min_age_s=ttl)

    async def _remove(self, room: str, identity: str) -> None:
        try:
            await self._livekit.room.remove_participant(
                api.RoomParticipantIdentity(room=room, identity=identity)
            )
        except api.TwirpError as e:
            if e.code != api.TwirpErrorCode.NOT_FOUND:  # else: gone already
                logger.warning("reconcile: LiveKit error", extra={"room": room, "error": e.message})
        except (aiohttp.ClientError, TimeoutError) as e:
            logger.warning("reconcile: LiveKit unreachable", extra={"error": str(e)})

    async def _redispatch(self, room: str, now: float, *, ready: bool) -> bool:
        try:
            listed = await self._livekit.room.list_participants(
                api.ListParticipantsRequest(room=room)
            )
        except api.TwirpError as e:
            if e.code == api.TwirpErrorCode.NOT_FOUND:
                self._forget(room)  # the room is gone: the call ended
            else:
                logger.warning("reconcile: LiveKit error", extra={"room": room, "error": e.message})
            return False
        except (aiohttp.ClientError, TimeoutError) as e:
            logger.warning("reconcile: LiveKit unreachable", extra={"error": str(e)})
            return False
        participants = list(listed.participants)
        gone = self._ghosts(participants, now)
        step = next_step(
            (p.kind for p in participants if p.identity not in gone),
            attempts=self._attempts[room],
            max_attempts=self._max_attempts,
        )
        if step is Step.GIVE_UP:
            logger.error("reconcile: agent lost again, giving up", extra={"room": room})
            self._forget(room)
        if step is not Step.DISPATCH:
            return False  # an agent is listed, or the user is away (held for their return)
        if not ready:
            return False  # no worker reports (one restarting): dispatched once one does
        if not self._capacity.claim(room, ttl_s=self._grace_s):
            return False  # another replica is on it
        for identity in gone:
            await self._remove(room, identity)
        if gone:
            logger.warning("reconcile: dead agents removed", extra={"room": room, "agents": gone})
        self._attempts[room] += 1
        await self._livekit.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(
                agent_name=self._settings.agent_name,
                room=room,
                metadata=self.resume_metadata(room, replaces=gone),
            )
        )
        # reported again once the new agent runs; until then, tried again after the grace
        logger.warning(
            "no agent in the call: dispatched one",
            extra={"room": room, "attempt": self._attempts[room]},
        )
        return True
