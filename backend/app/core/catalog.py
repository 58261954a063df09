"""What a user may pick for a conversation: personas (with the agent's instructions and
greeting), voices and languages. Built in (its languages: those the agent's speech providers
serve, app.core.languages), or replaced whole by the JSON file that BACKEND_CATALOG_FILE
names (same shape as `Catalog`)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(_Frozen):
    id: Slug
    name: Label
    description: Annotated[str, StringConstraints(max_length=200)] = ""
    instructions: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    greeting: Annotated[str, StringConstraints(max_length=500)] = ""


class Voice(_Frozen):
    id: Slug
    name: Label


class Defaults(_Frozen):
    persona: Slug
    voice: Slug
    language: Language


class Catalog(_Frozen):
    personas: tuple[Persona, ...] = Field(min_length=1, max_length=100)
    voices: tuple[Voice, ...] = Field(min_length=1, max_length=100)
    languages: tuple[Language, ...] = Field(min_length=1, max_length=100)
    defaults: Defaults | None = Field(default=None, description="Unset: the first of each list.")

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("defaults") is None:
            # A missing list is reported by the field validators, not here.
            with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
                data = {
                    **data,
                    "defaults": {
                        "persona": _first_id(data["personas"]),
                        "voice": _first_id(data["voices"]),
                        "language": data["languages"][0],
                    },
                }
        return data

    @model_validator(mode="after")
    def _check_ids(self) -> Catalog:
        for kind, ids in (
            ("persona", [p.id for p in self.personas]),
            ("voice", [v.id for v in self.voices]),
            ("language", list(self.languages)),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {kind} id")
            assert self.defaults is not None  # filled in before validation
            if getattr(self.defaults, kind) not in ids:
                raise ValueError(f"default {kind} is not in the list")
        return self

    @property
    def default(self) -> Defaults:
        assert self.defaults is not None
        return self.defaults

    def persona(self, persona_id: str) -> Persona | None:
        return next((p for p in self.personas if p.id == persona_id), None)

    def has_voice(self, voice_id: str) -> bool:
        return any(v.id == voice_id for v in self.voices)

    def has_language(self, language: str) -> bool:
        return language in self.languages

    def with_languages(self, languages: tuple[str, ...]) -> Catalog:
        """This catalog offering ``languages`` (the default one: the first)."""
        defaults = self.default.model_copy(update={"language": languages[0]})
        return Catalog(
            personas=self.personas, voices=self.voices, languages=languages, defaults=defaults
        )


def _first_id(items: Any) -> Any:
    first = items[0]
    return first["id"] if isinstance(first, dict) else first.id


_SPOKEN = "Answer in one or two short spoken sentences. No lists, no markdown, no emoji."

DEFAULT_CATALOG = Catalog(
    personas=(
        Persona(
            id="assistant",
            name="Friendly assistant",
            description="Warm, helpful answers for everyday questions.",
            instructions=f"You are a friendly voice assistant. {_SPOKEN}",
            greeting="Hello! How can I help you today?",
        ),
        Persona(
            id="concise",
            name="Concise",
            description="The shortest useful answer.",
            instructions=(
                "You are a terse voice assistant. Answer in one short sentence, "
                "with no small talk. No lists, no markdown, no emoji."
            ),
            greeting="Hi. What do you need?",
        ),
        Persona(
            id="tutor",
            name="Patient tutor",
            description="Explains step by step and checks understanding.",
            instructions=(
                "You are a patient tutor. Explain one idea at a time in plain words, then ask "
                f"a short question to check understanding. {_SPOKEN}"
            ),
            greeting="Hello! What would you like to learn today?",
        ),
    ),
    voices=(
        Voice(id="default", name="Joe"),
        Voice(id="slow", name="Joe (slower)"),
        Voice(id="fast", name="Joe (faster)"),
    ),
    languages=("en",),
)


def load_catalog(path: Path) -> dict[str, Any]:
    """The raw JSON of a catalog file; raises ValueError naming what is wrong (one line)."""
    try:
        data = json.loads(path.expanduser().read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or type(e).__name__}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return data
