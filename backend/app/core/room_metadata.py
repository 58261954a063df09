"""The room metadata a token carries: the ids the user picked plus what the agent needs
from the catalog (the persona's instructions and greeting)."""

from __future__ import annotations

import json

from app.core.catalog import Catalog
from app.core.config import Settings
from app.experiments.assignment import Assignment, room_fields

UNKNOWN_PERSONA_DETAIL = "unknown persona"
UNKNOWN_VOICE_DETAIL = "unknown voice"
UNKNOWN_LANGUAGE_DETAIL = "unknown language"


class UnknownChoice(ValueError):
    """A persona, voice or language the catalog does not list; str() is the stable detail."""


def choose(
    catalog: Catalog, *, persona: str | None, voice: str | None, language: str | None
) -> dict[str, str]:
    """The stored choice (ids only), defaults filled in; raises UnknownChoice."""
    default = catalog.default
    chosen = {
        "persona": persona or default.persona,
        "voice": voice or default.voice,
        "language": language or default.language,
    }
    if catalog.persona(chosen["persona"]) is None:
        raise UnknownChoice(UNKNOWN_PERSONA_DETAIL)
    if not catalog.has_voice(chosen["voice"]):
        raise UnknownChoice(UNKNOWN_VOICE_DETAIL)
    if not catalog.has_language(chosen["language"]):
        raise UnknownChoice(UNKNOWN_LANGUAGE_DETAIL)
    return chosen


RECORD_KEY = "record"  # stored "on" when the user asked for the call to be recorded


def wants_recording(stored: dict[str, str]) -> bool:
    return stored.get(RECORD_KEY) == "on"


def recording_on(settings: Settings, stored: dict[str, str]) -> bool:
    """Whether the agent records this conversation's call: asked for, and allowed."""
    return settings.recording.allowed and wants_recording(stored)


def room_metadata(
    catalog: Catalog,
    stored: dict[str, str],
    *,
    record: bool = False,
    experiment: Assignment | None = None,
) -> str:
    """JSON for the room: a stored choice the catalog no longer lists falls back to the
    default, so an old conversation can always be rejoined. ``record``: the agent records
    the call (asked for, and allowed by the backend's settings). ``experiment``: the
    conversation's A/B variant, whose instructions, greeting and turn settings win
    (app.experiments.assignment.room_fields)."""
    default = catalog.default
    persona = catalog.persona(stored.get("persona", "")) or catalog.persona(default.persona)
    assert persona is not None  # the catalog validates its defaults
    voice = stored.get("voice", "")
    language = stored.get("language", "")
    return json.dumps(
        {
            "persona": persona.id,
            "voice": voice if catalog.has_voice(voice) else default.voice,
            "language": language if catalog.has_language(language) else default.language,
            "instructions": persona.instructions,
            "greeting": persona.greeting,
            RECORD_KEY: record,
            **(room_fields(experiment) if experiment is not None else {}),
        }
    )


def dispatch_metadata(
    *,
    conversation_id: str,
    user_id: str,
    stored: dict[str, str],
    credential: str | None,
    record: bool = False,
) -> str:
    """JSON for the agent's dispatch: always the server's, never the client's, with the
    job's credential for this one conversation (app.core.job_credential)."""
    choice = {k: v for k, v in stored.items() if k != RECORD_KEY}
    data: dict[str, str] = {"conversation_id": conversation_id, "user_id": user_id, **choice}
    if record:
        data[RECORD_KEY] = "on"
    if credential:
        data["credential"] = credential
    return json.dumps(data)
