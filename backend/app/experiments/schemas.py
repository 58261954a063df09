"""An experiment's request and response bodies. The checks that need the catalog, the
agent's provider registry or the whole list of variants (splits add up to 100, keys unique,
personas, voices and providers known) are in ``check`` and answer 422 with one stable detail
string each."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.catalog import Catalog
from app.core.languages import SpeechProvider
from app.schemas import Slug

VariantKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Instructions = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]
Greeting = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Status = Literal["draft", "running", "stopped"]
ProviderKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
# the agent's provider registry (agent/src/voice_agent/providers/registry.py), one list for
# every kind; agent/tests/test_variant_providers.py keeps the two in step
PROVIDER_NAMES: frozenset[str] = frozenset(get_args(SpeechProvider))

SPLITS_DETAIL = "variant splits must add up to 100"
DUPLICATE_KEY_DETAIL = "variant keys must be unique"
UNKNOWN_PERSONA_DETAIL = "a variant names a persona the catalog does not list"
UNKNOWN_VOICE_DETAIL = "a variant names a voice the catalog does not list"
DELAYS_DETAIL = "a variant's max_delay_s must not be less than its min_delay_s"
UNKNOWN_PROVIDER_DETAIL = "a variant names a provider the agent's registry does not list"
CHECK_DETAILS = (
    SPLITS_DETAIL,
    DUPLICATE_KEY_DETAIL,
    UNKNOWN_PERSONA_DETAIL,
    UNKNOWN_VOICE_DETAIL,
    DELAYS_DETAIL,
    UNKNOWN_PROVIDER_DETAIL,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariantTurn(_Strict):
    """The agent's turn-taking settings (AGENT_TURN__*) for this variant, with their bounds."""

    min_delay_s: float | None = Field(
        default=None, ge=0.0, le=5.0, description="Silence before the turn ends (seconds)."
    )
    max_delay_s: float | None = Field(
        default=None, ge=0.1, le=10.0, description="The end-of-turn model's longest wait."
    )
    interruption_min_s: float | None = Field(
        default=None, ge=0.05, le=5.0, description="Speech that interrupts the agent (seconds)."
    )


class VariantProviders(_Strict):
    """A provider per kind for the variant's calls, by its registry name (``local``,
    ``openai``, ``azure``). The agent puts it first in that kind's chain, built from its own
    settings for it; a worker that does not configure it keeps its chain (and says so)."""

    stt: ProviderKey | None = Field(default=None, description="Speech to text.")
    llm: ProviderKey | None = Field(default=None, description="The language model.")
    tts: ProviderKey | None = Field(default=None, description="Text to speech.")


class VariantOverrides(_Strict):
    """What the variant changes; unset: the user's choice or the catalog's."""

    persona: Slug | None = Field(default=None, description="A persona id of GET /api/options.")
    instructions: Instructions | None = Field(
        default=None, description="Replaces the persona's instructions."
    )
    greeting: Greeting | None = Field(default=None, description="Replaces the persona's greeting.")
    voice: Slug | None = Field(default=None, description="A voice id of GET /api/options.")
    turn: VariantTurn | None = None
    providers: VariantProviders | None = None


class ExperimentVariant(_Strict):
    key: VariantKey
    split: int = Field(ge=1, le=99, description="Percent of users; all variants add up to 100.")
    overrides: VariantOverrides = Field(default_factory=VariantOverrides)


class ExperimentIn(_Strict):
    name: Name
    variants: list[ExperimentVariant] = Field(
        min_length=2, max_length=8, description="The first is the control."
    )


class ExperimentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    status: Status
    variants: list[ExperimentVariant]
    created_at: dt.datetime
    started_at: dt.datetime | None
    stopped_at: dt.datetime | None


class InvalidExperiment(ValueError):
    """str() is the stable 422 detail (one of CHECK_DETAILS)."""


def check(body: ExperimentIn, catalog: Catalog) -> None:
    """Raises InvalidExperiment for what the field types cannot say."""
    variants = body.variants
    if sum(v.split for v in variants) != 100:
        raise InvalidExperiment(SPLITS_DETAIL)
    if len({v.key for v in variants}) != len(variants):
        raise InvalidExperiment(DUPLICATE_KEY_DETAIL)
    for variant in variants:
        o = variant.overrides
        if o.persona is not None and catalog.persona(o.persona) is None:
            raise InvalidExperiment(UNKNOWN_PERSONA_DETAIL)
        if o.voice is not None and not catalog.has_voice(o.voice):
            raise InvalidExperiment(UNKNOWN_VOICE_DETAIL)
        named = (o.providers.stt, o.providers.llm, o.providers.tts) if o.providers else ()
        if any(name is not None and name not in PROVIDER_NAMES for name in named):
            raise InvalidExperiment(UNKNOWN_PROVIDER_DETAIL)
        low, high = (o.turn.min_delay_s, o.turn.max_delay_s) if o.turn else (None, None)
        if low is not None and high is not None and high < low:
            raise InvalidExperiment(DELAYS_DETAIL)
