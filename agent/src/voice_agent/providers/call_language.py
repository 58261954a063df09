"""A call's providers for the room's language: the prewarmed ones when every section would
work in the same language anyway (the offline English default: nothing new is loaded), else
new STT and TTS chains built for it (``languages.py`` maps the language for each provider).
Remote clients are cheap to make; an offline non-English call loads multilingual Whisper
on its first utterance. The LLM is the same: the language is in its instructions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from livekit.agents import stt, tts

from .. import languages
from ..settings import AgentSettings, LlmSettings, ProviderConfig, SttSettings, TtsSettings
from .build_options import BuildOptions
from .local import LocalVoice, Providers
from .log import logger
from .registry import TTS_PROVIDERS, build_stt, tts_chain


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
    """The providers for a call in ``language`` (None: as built). New instances are the
    call's own: close them with :func:`aclose_new` when it ends."""
    if language is None:
        return providers
    build = BuildOptions(settings=settings, warm=False, language=language)
    new = providers
    if changes(settings.stt, language):
        new = dataclasses.replace(new, stt=build_stt(settings, build, providers.vad))
    if changes(settings.tts, language):
        voices = [TTS_PROVIDERS[c.provider](c, build) for c in _chain(settings.tts)]
        local_voice = next((v for v in voices if isinstance(v, LocalVoice)), None)
        new = dataclasses.replace(new, tts=tts_chain(settings, voices), local_voice=local_voice)
    if new is not providers:
        logger.info("providers set for the call's language", extra={"language": language})
    return new


async def aclose_new(built: Providers, used: Providers) -> None:
    """Close the STT and TTS that :func:`for_language` made for one call."""
    made: Sequence[stt.STT[Any] | tts.TTS[Any]] = [
        *([used.stt] if used.stt is not built.stt else []),
        *([used.tts] if used.tts is not built.tts else []),
    ]
    for instance in made:
        await instance.aclose()


def _chain(section: SttSettings | TtsSettings | LlmSettings) -> list[ProviderConfig]:
    return [section, *section.fallback]
