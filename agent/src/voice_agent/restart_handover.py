"""After a livekit-server restart this job hands its call to a freshly dispatched agent.

A restarted server knows nothing of the room: every job's room reconnects in full, as a new
session with a new participant id (a resume keeps the old one). A user who rejoins after the
job (a browser waits a few seconds before its own full reconnect) is then not heard: neither
their audio nor their typed messages reach the job (livekit rtc 1.1.21). So once the user is
back, the job asks LiveKit for a new agent in the room, a resumption that reloads the history,
says it lost the user for a moment and names this one as replaced (``recovery.py``), and
leaves quietly when that agent has joined; its process exits normally, so the worker
dispatches nothing more. Always, whoever was back first: the same outcome after every
restart. A dispatch made just before the restarted server had the worker registered again is
dropped, so one that brings no agent is made again (``attempts``); should none come, the job
leaves anyway and the backend's reconcile dispatches one.
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
ATTEMPTS = 3
ARRIVAL_S = 5.0  # a dispatched agent joins within a second or two


class RestartHandover:
    def __init__(
        self,
        room: rtc.Room,
        *,
        dispatch: Callable[[str], Awaitable[None]],
        leave: Callable[[], None],
        settle_s: float = SETTLE_S,
        poll_s: float = POLL_S,
        attempts: int = ATTEMPTS,
        arrival_s: float = ARRIVAL_S,
    ) -> None:
        """``dispatch(identity)``: a resumed agent for this room, replacing ``identity``;
        ``leave()``: end this job without a word, the room left standing."""
        self._room = room
        self._dispatch = dispatch
        self._leave = leave
        self._settle_s = settle_s
        self._poll_s = poll_s
        self._attempts = attempts
        self._arrival_s = arrival_s
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
            self._task = asyncio.create_task(self._after_reconnect())

    async def _after_reconnect(self) -> None:
        if not await self._restarted():
            return  # resumed: the same session, nothing was lost
        me = self._room.local_participant.identity
        logger.warning(
            "livekit-server restarted: the call goes to a fresh agent once the user is back",
            extra={"room": self._room.name},
        )
        if not await self._until(lambda: user_present(self._room), timeout_s=None):
            return  # the room is gone
        for _ in range(self._attempts):
            if self._other_agent_present():
                break  # the page's new room dispatched one, or ours came
            try:
                await self._dispatch(me)
            except Exception:  # the backend's reconcile dispatches one after its grace
                logger.exception("no fresh agent dispatched", extra={"room": self._room.name})
                break
            if await self._until(self._other_agent_present, timeout_s=self._arrival_s):
                break
        self._leave()

    async def _until(self, condition: Callable[[], bool], *, timeout_s: float | None) -> bool:
        """Whether ``condition`` came true while the room is connected (and within
        ``timeout_s``)."""
        waited = 0.0
        while not condition():
            if not self._room.isconnected() or (timeout_s is not None and waited >= timeout_s):
                return False
            await asyncio.sleep(self._poll_s)
            waited += self._poll_s
        return True

    async def _restarted(self) -> bool:
        me = self._room.local_participant
        return await self._until(lambda: me.sid != self._session_id, timeout_s=self._settle_s)

    def _other_agent_present(self) -> bool:
        agent = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        return any(p.kind == agent for p in self._room.remote_participants.values())
