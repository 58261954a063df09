"""A call's providers: the prewarmed ones when every section would work in the room's
language anyway (the offline English default: nothing new is loaded) and no A/B variant
reorders its chain (``variant.py``), else new chains for the sections that change
(``languages.py`` maps the language for each provider). Remote clients are cheap to make; an
offline non-English call loads multilingual Whisper on its first utterance, and a local
model a variant moves up its chain loads a copy of its own without a model host. The LLM
does not change with the language: the language is in its instructions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from livekit.agents import llm, stt, tts

from .. import languages
from ..settings import AgentSettings, LlmSettings, ProviderConfig, SttSettings, TtsSettings
from .build_options import BuildOptions
from .local import LocalVoice, Providers
from .log import logger
from .registry import TTS_PROVIDERS, build_llm, build_stt, tts_chain


def changes(section: SttSettings | TtsSettings | LlmSettings, language: str) -> bool:
    """Whether a section's providers work in another language for this call than the one
    they were built for (the offline models care only about the language, not its region)."""
    for config in _chain(section):
        built = languages.resolve(None, config.language)
        wanted = languages.resolve(language, config.language)
        if config.provider == "local":
            if languages.base_language(built) != languages.base_language(wanted):
                return True
        elif built != wanted:
            return True
    return False


def for_language(settings: AgentSettings, providers: Providers, language: str | None) -> Providers:
    """The providers for a call in ``language`` (None: as built)."""
    return for_call(settings, settings, providers, language)


def for_call(
    built: AgentSettings, call: AgentSettings, providers: Providers, language: str | None
) -> Providers:
    """The providers for one call: ``providers`` (built from ``built``) where the call's
    settings (an A/B variant's chains: ``variant.py``) and its language (None: as built)
    need nothing else, new ones for the sections they change. New instances are the call's
    own: close them with :func:`aclose_new` when it ends."""
    build = BuildOptions(settings=call, warm=False, language=language)
    new = providers
    if _rebuilt(built.stt, call.stt, language):
        new = dataclasses.replace(new, stt=build_stt(call, build, providers.vad))
    if _rebuilt(built.llm, call.llm, None):  # the language is in the LLM's instructions
        new = dataclasses.replace(new, llm=build_llm(call, build))
    if _rebuilt(built.tts, call.tts, language):
        voices = [TTS_PROVIDERS[c.provider](c, build) for c in _chain(call.tts)]
        local_voice = next((v for v in voices if isinstance(v, LocalVoice)), None)
        new = dataclasses.replace(new, tts=tts_chain(call, voices), local_voice=local_voice)
    if new is not providers:
        logger.info("providers set for the call", extra={"language": language})
    return new


def _rebuilt(
    built: SttSettings | TtsSettings | LlmSettings,
    call: SttSettings | TtsSettings | LlmSettings,
    language: str | None,
) -> bool:
    if [c.provider for c in _chain(built)] != [c.provider for c in _chain(call)]:
        return True  # a variant's provider first
    return language is not None and changes(call, language)


async def aclose_new(built: Providers, used: Providers) -> None:
    """Close the STT, LLM and TTS that :func:`for_call` made for one call."""
    made: Sequence[stt.STT[Any] | llm.LLM[Any] | tts.TTS[Any]] = [
        *([used.stt] if used.stt is not built.stt else []),
        *([used.llm] if used.llm is not built.llm else []),
        *([used.tts] if used.tts is not built.tts else []),
    ]
    for instance in made:
        await instance.aclose()


def _chain(section: SttSettings | TtsSettings | LlmSettings) -> list[ProviderConfig]:
    return [section, *section.fallback]
