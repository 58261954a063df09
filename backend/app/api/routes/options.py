"""GET /api/options: the personas, voices and languages a conversation may use."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import USER_ERRORS, CurrentUser, SettingsDep

router = APIRouter(tags=["options"], responses=USER_ERRORS)


class PersonaOption(BaseModel):
    id: str
    name: str
    description: str


class VoiceOption(BaseModel):
    id: str
    name: str


class OptionDefaults(BaseModel):
    persona: str
    voice: str
    language: str


class Options(BaseModel):
    personas: list[PersonaOption]
    voices: list[VoiceOption]
    languages: list[str]
    defaults: OptionDefaults
    recording_allowed: bool = Field(
        description="Whether a conversation may be recorded (POST /api/conversations `record`)."
    )


@router.get("/options")
def read_options(settings: SettingsDep, _user: CurrentUser) -> Options:
    """What POST /api/conversations accepts (from BACKEND_CATALOG_FILE or the built-in list)."""
    catalog = settings.catalog
    return Options(
        personas=[
            PersonaOption(id=p.id, name=p.name, description=p.description) for p in catalog.personas
        ],
        voices=[VoiceOption(id=v.id, name=v.name) for v in catalog.voices],
        languages=list(catalog.languages),
        defaults=OptionDefaults(**catalog.default.model_dump()),
        recording_allowed=settings.recording.allowed,
    )
