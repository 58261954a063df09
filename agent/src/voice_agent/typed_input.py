"""Typed messages (``lk.chat``) with a size limit and a rate limit.

The room's text input callback (``room_io.TextInputOptions(text_input_cb=...)``): a message
within the limits goes on to the framework's own callback (interrupt, then reply); one longer
than ``AGENT_CHAT__MAX_CHARS`` is answered at once with a clear line instead of a long model
run; past ``AGENT_CHAT__MAX_MESSAGES`` within ``AGENT_CHAT__WINDOW_S`` the user is told to slow
down (once per window) and the extra messages are dropped. Neither answer uses the LLM.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from livekit.agents import AgentSession, room_io

from .settings import ChatSettings

logger = logging.getLogger("voice_agent")


class TypedInputGuard:
    """``clock``: monotonic seconds (default ``time.monotonic``)."""

    def __init__(
        self, settings: ChatSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings
        self._clock = clock
        # the framework's default callback: interrupt the agent, then reply to the text
        self._reply = room_io.TextInputOptions().text_input_cb
        self._accepted: deque[float] = deque()
        self._warned_at: float | None = None

    def options(self) -> room_io.TextInputOptions:
        return room_io.TextInputOptions(text_input_cb=self)

    async def __call__(self, session: AgentSession[Any], ev: room_io.TextInputEvent) -> None:
        limits = self._settings
        now = self._clock()
        while self._accepted and now - self._accepted[0] >= limits.window_s:
            self._accepted.popleft()
        if len(self._accepted) >= limits.max_messages:
            logger.info("typed message dropped: too many", extra={"chars": len(ev.text)})
            if self._warned_at is None or now - self._warned_at >= limits.window_s:
                self._warned_at = now
                session.say(limits.slow_down)  # after what is being said, not over it
            return
        self._accepted.append(now)
        if len(ev.text) > limits.max_chars:
            logger.info("typed message refused: too long", extra={"chars": len(ev.text)})
            await session.interrupt()
            session.say(limits.too_long.format(max_chars=limits.max_chars))
            return
        # its size, never its text: the job's log shows a typed message arrived (one that
        # never did looks the same as a user who typed nothing)
        logger.info("typed message", extra={"chars": len(ev.text)})
        result = self._reply(session, ev)
        if result is not None:
            await result
