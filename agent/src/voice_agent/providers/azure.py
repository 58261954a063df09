"""``azure``: Azure OpenAI for the LLM (the openai plugin's Azure client, deployment URLs)
and Azure Speech for STT and TTS (``livekit-plugins-azure``, Microsoft's Speech SDK)."""

from __future__ import annotations

from typing import Any

from livekit.agents import llm, stt, tts
from livekit.agents.types import NOT_GIVEN
from livekit.plugins import azure, openai

from .. import languages
from ..settings import ProviderConfig
from .build_options import BuildOptions


class AzureConfigError(ValueError):
    """A provider entry that cannot work (settings validation normally catches it first)."""


def _key(config: ProviderConfig, what: str) -> str:
    if config.api_key is None:
        raise AzureConfigError(f"api_key must be set for provider azure ({what})")
    return config.api_key.get_secret_value()


def azure_llm(config: ProviderConfig, build: BuildOptions) -> llm.LLM[Any]:
    if not (config.base_url and config.deployment and config.api_version):
        raise AzureConfigError(
            "base_url, deployment and api_version must be set for provider azure (Azure OpenAI)"
        )
    return openai.LLM.with_azure(
        model=config.model or config.deployment,
        azure_endpoint=config.base_url,
        azure_deployment=config.deployment,
        api_version=config.api_version,
        api_key=_key(config, "Azure OpenAI"),
        temperature=build.settings.llm.temperature,
        max_completion_tokens=build.settings.llm.max_tokens,
    )


def _speech_place(config: ProviderConfig) -> tuple[str | None, str | None]:
    """(region, endpoint): exactly one is set, the region when both are."""
    if config.region:
        return config.region, None
    if config.base_url:
        return None, config.base_url
    raise AzureConfigError("region (or base_url) must be set for provider azure (Azure Speech)")


def azure_stt(config: ProviderConfig, build: BuildOptions) -> stt.STT[Any]:
    region, endpoint = _speech_place(config)
    return azure.STT(
        speech_key=_key(config, "Azure Speech"),
        speech_region=region or NOT_GIVEN,
        speech_endpoint=endpoint or NOT_GIVEN,
        language=languages.azure_locale(languages.resolve(build.language, config.language)),
    )


def azure_tts(config: ProviderConfig, build: BuildOptions) -> tts.TTS[Any]:
    region, endpoint = _speech_place(config)
    language = languages.resolve(build.language, config.language)
    return azure.TTS(
        speech_key=_key(config, "Azure Speech"),
        speech_region=region,
        speech_endpoint=endpoint,
        voice=languages.azure_voice(language, config.voice),
        language=languages.azure_locale(language),
    )
