"""When the session closes its room goes with it, unless the call is being handed over.

The call is over when the agent ended it (``end_call``: the call limits' goodbye) or on an
error: the room is deleted, so the caller is disconnected and nothing is left behind. The
user leaving does not close the session (they may rejoin, ``rejoin.py``): a hang-up deletes
the room from the backend, and a user who does not come back has it closed by LiveKit after
the grace; either way the session closes with its room gone and this deletes nothing.

A job stopped by its worker while its user is still in the room (a SIGTERM whose drain ran
out with the call still going) leaves the room standing instead: the worker stops reporting
the room, and the backend's reconcile (``backend/app/core/redispatch.py``) dispatches the
agent again to a worker that takes calls, as a resumption (the new job reloads the
history). This replaces the framework's ``delete_room_on_close``, which deletes the room in
every case. A job that lost its room (deleted, or its livekit-server gone) deletes nothing,
and neither does one that leaves the call to another agent (``leave``, ``single_agent.py``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, CloseEvent, CloseReason, JobContext

logger = logging.getLogger("voice_agent")

DELETE_TIMEOUT_S = 10.0


class RoomRelease:
    def __init__(self, ctx: JobContext, session: AgentSession[Any]) -> None:
        self._ctx = ctx
        self._session = session
        self._call_ended = False
        self._left = False
        self._deleting: asyncio.Future[object] | None = None

    def attach(self) -> None:
        self._session.on("close", self._on_close)
        self._ctx.add_shutdown_callback(self._deleted)

    def end_call(self) -> None:
        """The agent ends the call itself: the room goes when the session closes."""
        self._call_ended = True

    def leave(self, reason: str) -> None:
        """End this job without a word, the room left standing: another agent serves the
        call, or (with none in the room) the backend's reconcile dispatches one. The job's
        process exits normally, so the worker does not dispatch a replacement itself."""
        self._left = True
        self._ctx.shutdown(reason)

    def handing_over(self, ev: CloseEvent) -> bool:
        """Whether the session was closed under its call: not by the agent, not for an error
        nor because the user left, and the user is still in the room."""
        return (
            ev.reason == CloseReason.USER_INITIATED
            and not self._call_ended
            and user_present(self._ctx.room)
        )

    def _on_close(self, ev: CloseEvent) -> None:
        if self._left:
            return  # the room is the other agent's call now
        if not self._ctx.room.isconnected():
            # the room was deleted, or its server is gone: a restarted livekit-server may
            # already hold the user's new room of the same name, which must stay
            return
        if self.handing_over(ev):
            logger.warning(
                "job stopped mid-call: the room is left for a new agent",
                extra={"room": self._ctx.room.name},
            )
            return
        self._deleting = self._ctx.delete_room()

    async def _deleted(self) -> None:
        # the framework cancels the job's pending tasks once its shutdown callbacks are done
        if self._deleting is not None:
            await asyncio.wait_for(asyncio.shield(self._deleting), DELETE_TIMEOUT_S)


def user_present(room: rtc.Room) -> bool:
    """Whether this job is still connected to its room and someone other than an agent is in
    it."""
    agent = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
    return room.isconnected() and any(p.kind != agent for p in room.remote_participants.values())
