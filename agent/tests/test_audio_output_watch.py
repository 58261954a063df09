"""A job whose audio track could not be published leaves the call to another agent."""

from __future__ import annotations

import asyncio
import inspect
from types import SimpleNamespace

import pytest
from livekit.agents.voice.room_io import RoomIO
from voice_agent.audio_output_watch import LEAVE_REASON, watch_audio_output

pytestmark = pytest.mark.unit


async def _start_up(error: Exception | None) -> None:
    await asyncio.sleep(0)
    if error is not None:
        raise error


async def _watched(error: Exception | None) -> list[str]:
    left: list[str] = []
    room_io = SimpleNamespace(_init_atask=asyncio.create_task(_start_up(error)))
    watch_audio_output(room_io, "va-room", left.append)  # type: ignore[arg-type]
    await asyncio.gather(room_io._init_atask, return_exceptions=True)
    await asyncio.sleep(0)  # the done callback runs on the next loop pass
    return left


async def test_a_failed_publication_leaves_the_call() -> None:
    error = RuntimeError("track publication timed out, no response received from the server")
    assert await _watched(error) == [LEAVE_REASON]


async def test_a_published_voice_stays() -> None:
    assert await _watched(None) == []


def test_the_framework_still_names_its_start_up_task() -> None:
    # the watch reads a private attribute of livekit-agents' RoomIO (pinned 1.8.9)
    assert "self._init_atask = asyncio.create_task(self._init_task())" in inspect.getsource(RoomIO)
