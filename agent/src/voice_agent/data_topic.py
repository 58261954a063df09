"""Publishes JSON records to the web page on a data topic, in the background, never raising
into the event handler that calls it (a page that left just misses the record)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from livekit import rtc

logger = logging.getLogger("voice_agent.data_topic")


class DataPublisher:
    def __init__(self, room: rtc.Room, topic: str) -> None:
        self._room = room
        self._topic = topic
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, record: dict[str, Any]) -> None:
        """Sync, for event handlers: the record goes out from a task."""
        task = asyncio.create_task(self._publish(json.dumps(record)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, payload: str) -> None:
        if not self._room.isconnected():
            return
        try:
            await self._room.local_participant.publish_data(
                payload, reliable=True, topic=self._topic
            )
        except Exception:
            logger.warning("could not publish on %s", self._topic, exc_info=True)
