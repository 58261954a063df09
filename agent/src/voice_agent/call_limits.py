"""A call ends by itself when it has gone on too long or has gone quiet.

After ``AGENT_LIMITS__MAX_CALL_S`` from the start, or once the user has been away (no speech
from either side for ``AGENT_LIMITS__IDLE_TIMEOUT_S``: the framework's ``user_away_timeout``
sets the user state ``away``), the agent says one short goodbye and shuts the session down.
The room is deleted when the session closes (``on_end`` tells ``RoomRelease`` it is the end
of the call), so the caller is disconnected and the agent is free for someone else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from livekit.agents import AgentSession, UserStateChangedEvent

from .settings import CallLimitSettings

logger = logging.getLogger("voice_agent")


class CallLimits:
    def __init__(
        self,
        session: AgentSession[Any],
        settings: CallLimitSettings,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self._session = session
        self._on_end = on_end
        self._settings = settings
        self._timer: asyncio.TimerHandle | None = None
        self._ending: asyncio.Task[None] | None = None

    def attach(self) -> None:
        """Start the clock (call once the session has started)."""
        self._session.on("user_state_changed", self._on_user_state)
        self._session.on("close", self._on_close)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(
            self._settings.max_call_s, self.end, "max_call", self._settings.max_call_goodbye
        )

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        if ev.new_state == "away":
            self.end("idle", self._settings.idle_goodbye)

    def _on_close(self, _ev: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def end(self, reason: str, goodbye: str) -> None:
        """Say ``goodbye`` and end the call (once; later calls do nothing)."""
        if self._ending is not None:
            return
        logger.info("ending the call", extra={"reason": reason})
        if self._on_end is not None:
            self._on_end()
        self._ending = asyncio.create_task(self._say_and_close(goodbye))

    async def _say_and_close(self, goodbye: str) -> None:
        try:
            await self._session.interrupt(force=True)
            handle = self._session.say(goodbye, allow_interruptions=False)
            await handle.wait_for_playout()
        except RuntimeError:  # the session closed meanwhile
            return
        finally:
            self._session.shutdown()
