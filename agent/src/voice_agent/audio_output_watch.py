"""A job whose voice never reached the room hands the call on.

RoomIO publishes the agent's audio track in its start-up task and, when that fails, only
logs it. Seen with 16 calls on a saturated 2-core box: "track publication timed out, no
response received from the server". The agent then hears the caller and replies into
nothing, the caller hears silence, and because an agent is in the room, nothing dispatches
another one. This watches that task: if it failed, the job ends with the room left standing
(``RoomRelease.leave``), so the backend's reconcile dispatches a fresh agent to the call
(``backend/app/core/redispatch.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from livekit.agents.voice.room_io import RoomIO

logger = logging.getLogger("voice_agent")

LEAVE_REASON = "the agent's audio could not be published"


def watch_audio_output(room_io: RoomIO, room: str, leave: Callable[[str], None]) -> None:
    # livekit-agents 1.8.9 keeps the start-up task private; test_audio_output_watch.py
    # fails if it is renamed
    start_up: asyncio.Task[None] | None = getattr(room_io, "_init_atask", None)
    if start_up is None:
        return

    def check(task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        logger.error(
            "the agent's audio could not be published: leaving the call to another agent",
            extra={"room": room, "error": str(task.exception())},
        )
        leave(LEAVE_REASON)

    start_up.add_done_callback(check)
