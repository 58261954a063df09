"""Layer 1 of the session state: the room's metadata, chosen when the room is created.

The backend writes JSON ``{"persona", "voice", "language", "instructions", "greeting",
"record"}`` into the room (and the agent dispatch); every key is optional. Bad JSON or wrong
types are ignored field by field (logged), never fatal: the agent then uses its settings.

A conversation in an A/B experiment (docs/experiments.md) also carries ``"experiment": {"id",
"variant"}`` and may carry ``"turn": {"min_delay_s", "max_delay_s", "interruption_min_s"}``:
turn-taking settings for this call over ``AGENT_TURN__*`` (``for_call``), and
``"providers": {"stt", "llm", "tts"}``: a provider name per kind to put first in that
section's chain for this call (``providers/variant.py``). Its persona, voice, instructions
and greeting come in the keys above.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

from .. import languages
from ..settings import AgentSettings, ProviderName, TurnSettings

logger = logging.getLogger("voice_agent.state")

_MAX_TEXT = 2000  # instructions/greeting from the room, characters
TURN_KEYS = ("min_delay_s", "max_delay_s", "interruption_min_s")  # a room may set these
PROVIDER_KINDS = ("stt", "llm", "tts")
PROVIDER_NAMES = frozenset(get_args(ProviderName))


@dataclass(frozen=True, slots=True)
class RoomProfile:
    persona: str | None = None
    voice: str = "default"
    language: str | None = None
    instructions: str | None = None
    greeting: str | None = None
    record: bool = False  # the user turned call recording on (call_recording.py)
    turn: tuple[tuple[str, float], ...] = ()  # TURN_KEYS over the settings' (an A/B variant)
    experiment: str | None = None  # "<experiment id>/<variant key>", for the logs
    providers: tuple[tuple[str, str], ...] = ()  # (kind, registry name): an A/B variant's

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
            turn=_turn(data.get("turn")),
            experiment=_experiment(data.get("experiment")),
            providers=_providers(data.get("providers")),
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

    def for_call(self, settings: AgentSettings) -> AgentSettings:
        """The settings with this room's turn-taking overrides. A set the settings refuse
        (out of bounds, or max_delay_s under min_delay_s) is ignored whole (logged)."""
        if not self.turn:
            return settings
        try:
            turn = TurnSettings.model_validate({**settings.turn.model_dump(), **dict(self.turn)})
        except ValidationError:
            logger.warning("room turn settings ignored", extra={"turn": dict(self.turn)})
            return settings
        return settings.model_copy(update={"turn": turn})


def _turn(value: Any) -> tuple[tuple[str, float], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        logger.warning("room metadata field ignored", extra={"field": "turn"})
        return ()
    out = []
    for key in TURN_KEYS:
        number = value.get(key)
        if number is None:
            continue
        if isinstance(number, int | float) and not isinstance(number, bool):
            out.append((key, float(number)))
        else:
            logger.warning("room metadata field ignored", extra={"field": f"turn.{key}"})
    return tuple(out)


def _providers(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        logger.warning("room metadata field ignored", extra={"field": "providers"})
        return ()
    out = []
    for kind in PROVIDER_KINDS:
        name = value.get(kind)
        if name is None:
            continue
        if isinstance(name, str) and name in PROVIDER_NAMES:
            out.append((kind, name))
        else:  # not a registry name (the backend checks them: an older or newer backend)
            logger.warning("room metadata field ignored", extra={"field": f"providers.{kind}"})
    return tuple(out)


def _experiment(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    experiment, variant = value.get("id"), value.get("variant")
    if isinstance(experiment, str) and isinstance(variant, str):
        return f"{experiment[:64]}/{variant[:32]}"
    return None


def _text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        logger.warning("room metadata field ignored", extra={"field": key})
        return None
    return value.strip()[:limit]
