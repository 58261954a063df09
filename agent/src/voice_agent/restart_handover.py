"""After a livekit-server restart this job hands its call to a freshly dispatched agent.

A restarted server knows nothing of the room: every job's room reconnects in full, as a new
session with a new participant id (a resume keeps the old one). A user already in the room
the job comes back to is heard as before. One who rejoins after it (a browser waits a few
seconds before its own full reconnect) is not: neither their audio nor their typed messages
reach the job (livekit rtc 1.1.21). So once such a user is back, the job asks LiveKit for a
new agent in the room, a resumption that reloads the history and names this one as replaced
(``recovery.py``), and leaves quietly; its process exits normally, so the worker dispatches
nothing more. Should another agent of ours be in the room by then (the page's new room
dispatched one), this one just leaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from livekit import rtc

from .room_release import user_present

logger = logging.getLogger("voice_agent")

LEAVE_REASON = "livekit-server restarted: a fresh agent takes the call"
# the room says "reconnected" a moment before it updates the local participant's id
SETTLE_S = 5.0
POLL_S = 0.25


class RestartHandover:
    def __init__(
        self,
        room: rtc.Room,
        *,
        dispatch: Callable[[str], Awaitable[None]],
        leave: Callable[[], None],
        settle_s: float = SETTLE_S,
        poll_s: float = POLL_S,
    ) -> None:
        """``dispatch(identity)``: a resumed agent for this room, replacing ``identity``;
        ``leave()``: end this job without a word, the room left standing."""
        self._room = room
        self._dispatch = dispatch
        self._leave = leave
        self._settle_s = settle_s
        self._poll_s = poll_s
        self._session_id = ""
        self._task: asyncio.Task[None] | None = None

    def attach(self) -> None:
        """Watch for reconnects from now on; call in the job's loop once it is connected."""
        self._session_id = self._room.local_participant.sid
        self._room.on("reconnected", self._on_reconnected)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_reconnected(self) -> None:
        if self._task is None or self._task.done():
            # the user already in the room the job came back to is heard as before
            user_back_first = user_present(self._room)
            self._task = asyncio.create_task(self._after_reconnect(user_back_first))

    async def _after_reconnect(self, user_back_first: bool) -> None:
        if not await self._restarted():
            return  # resumed: the same session, nothing was lost
        if user_back_first:
            return
        me = self._room.local_participant.identity
        logger.warning(
            "livekit-server restarted: the call goes to a fresh agent once the user is back",
            extra={"room": self._room.name},
        )
        while not user_present(self._room):
            if not self._room.isconnected():
                return
            await asyncio.sleep(self._poll_s)
        if not self._other_agent_present():
            try:
                await self._dispatch(me)
            except Exception:  # the backend's reconcile dispatches one after its grace
                logger.exception("no fresh agent dispatched", extra={"room": self._room.name})
        self._leave()

    async def _restarted(self) -> bool:
        waited = 0.0
        while self._room.local_participant.sid == self._session_id and waited < self._settle_s:
            await asyncio.sleep(self._poll_s)
            waited += self._poll_s
        return self._room.local_participant.sid != self._session_id

    def _other_agent_present(self) -> bool:
        agent = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        return any(p.kind == agent for p in self._room.remote_participants.values())
