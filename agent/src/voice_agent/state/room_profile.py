"""Layer 1 of the session state: the room's metadata, chosen when the room is created.

The backend writes JSON ``{"persona", "voice", "language", "instructions", "greeting",
"record"}`` into the room (and the agent dispatch); every key is optional. Bad JSON or wrong
types are ignored field by field (logged), never fatal: the agent then uses its settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from .. import languages

logger = logging.getLogger("voice_agent.state")

_MAX_TEXT = 2000  # instructions/greeting from the room, characters


@dataclass(frozen=True, slots=True)
class RoomProfile:
    persona: str | None = None
    voice: str = "default"
    language: str | None = None
    instructions: str | None = None
    greeting: str | None = None
    record: bool = False  # the user turned call recording on (call_recording.py)

    @classmethod
    def parse(cls, metadata: str | None) -> RoomProfile:
        if not metadata:
            return cls()
        try:
            data = json.loads(metadata)
        except ValueError:
            logger.warning("room metadata is not JSON; using the settings")
            return cls()
        if not isinstance(data, dict):
            logger.warning("room metadata is not a JSON object; using the settings")
            return cls()
        return cls(
            persona=_text(data, "persona", 64),
            voice=_text(data, "voice", 64) or "default",
            language=_text(data, "language", 35),
            instructions=_text(data, "instructions", _MAX_TEXT),
            greeting=_text(data, "greeting", _MAX_TEXT),
            record=data.get("record") in (True, "on"),
        )

    @classmethod
    def from_job(cls, room_metadata: str | None, dispatch_metadata: str | None) -> RoomProfile:
        """The room's own metadata, else the agent dispatch's (the backend sets both)."""
        profile = cls.parse(room_metadata)
        return profile if profile != cls() else cls.parse(dispatch_metadata)

    def instructions_for(self, default: str) -> str:
        """The system prompt: the room's instructions (or the default), with its language."""
        text = self.instructions or default
        if self.language and not languages.is_english(self.language):
            text += " " + languages.llm_instruction(self.language)
        return text


def _text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        logger.warning("room metadata field ignored", extra={"field": key})
        return None
    return value.strip()[:limit]
