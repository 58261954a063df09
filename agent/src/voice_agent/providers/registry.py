"""The provider registry: one factory per name and kind, returning the framework's own
``stt.STT``/``llm.LLM``/``tts.TTS``; a section with ``fallback`` entries becomes the
framework's ``FallbackAdapter`` over the chain, and every failover is logged and counted."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, llm, stt, tts, vad
from livekit.agents.types import NOT_GIVEN, NotGivenOr

from .. import observability
from ..settings import (
    AgentSettings,
    LlmSettings,
    ProviderConfig,
    ProviderName,
    SttSettings,
    TtsSettings,
)
from . import local, openai
from .build_options import BuildOptions
from .first_token import FirstTokenTimeoutLLM
from .log import logger

T = TypeVar("T")
Source = Literal["stt", "llm", "tts"]
Factory = Callable[[ProviderConfig, BuildOptions], T]


def azure_stt(config: ProviderConfig, build: BuildOptions) -> stt.STT[Any]:
    from . import azure  # Microsoft's Speech SDK: only where a section names azure

    return azure.azure_stt(config, build)


def azure_llm(config: ProviderConfig, build: BuildOptions) -> llm.LLM[Any]:
    from . import azure

    return azure.azure_llm(config, build)


def azure_tts(config: ProviderConfig, build: BuildOptions) -> tts.TTS[Any]:
    from . import azure

    return azure.azure_tts(config, build)


def import_plugins(settings: AgentSettings) -> None:
    """Import the plugins the settings name that are loaded on demand (azure), in the
    worker's main thread: the framework registers a plugin only there, and preloads the
    registered ones into every job process."""
    sections = (settings.stt, settings.llm, settings.tts)
    if any(c.provider == "azure" for s in sections for c in (s, *s.fallback)):
        from . import azure  # noqa: F401


STT_PROVIDERS: Mapping[ProviderName, Factory[stt.STT[Any]]] = {
    "local": local.local_stt,
    "openai": openai.openai_stt,
    "azure": azure_stt,
}
LLM_PROVIDERS: Mapping[ProviderName, Factory[llm.LLM[Any]]] = {
    "local": local.local_llm,
    "openai": openai.openai_llm,
    "azure": azure_llm,
}
TTS_PROVIDERS: Mapping[ProviderName, Factory[tts.TTS[Any]]] = {
    "local": local.local_tts,
    "openai": openai.openai_tts,
    "azure": azure_tts,
}


def build_providers(
    settings: AgentSettings, *, warm: bool = True, tools: Sequence[llm.Tool | llm.Toolset] = ()
) -> local.Providers:
    """Every provider the settings name (local models load here: call it in prewarm).

    The offline default (``local`` everywhere, no fallback) is exactly
    ``load_local_providers``: no wrappers around the local models.
    """
    build = BuildOptions(settings=settings, warm=warm, tools=tuple(tools))
    vad_ = local.local_vad(settings)
    voices = [TTS_PROVIDERS[c.provider](c, build) for c in _chain(settings.tts)]
    return local.Providers(
        vad=vad_,
        stt=build_stt(settings, build, vad_),
        llm=build_llm(settings, build),
        tts=tts_chain(settings, voices),
        local_voice=next((v for v in voices if isinstance(v, local.LocalVoice)), None),
    )


def _chain(section: SttSettings | LlmSettings | TtsSettings) -> list[ProviderConfig]:
    return [section, *section.fallback]


def build_stt(settings: AgentSettings, build: BuildOptions, vad_: vad.VAD) -> stt.STT[Any]:
    chain = _chain(settings.stt)
    instances = [STT_PROVIDERS[c.provider](c, build) for c in chain]
    if len(instances) == 1:
        return instances[0]  # its errors reach the session (counted there)
    # wrapped here (not inside the adapter) so its availability events name our instances
    instances = [
        s if s.capabilities.streaming else stt.StreamAdapter(stt=s, vad=vad_) for s in instances
    ]
    adapter = stt.FallbackAdapter(
        instances,
        vad=vad_,
        attempt_timeout=settings.stt.attempt_timeout_s,
        max_retry_per_stt=0,  # fail over at once; the failed one is probed in the background
    )
    _watch("stt", adapter, instances, chain)
    return adapter


def build_llm(settings: AgentSettings, build: BuildOptions) -> llm.LLM[Any]:
    chain = _chain(settings.llm)
    instances = [LLM_PROVIDERS[c.provider](c, build) for c in chain]
    if [c.provider for c in chain] == ["local"]:
        return instances[0]  # the offline default: unchanged
    timeout = settings.llm.first_token_timeout_s
    # remote providers get the first-token timeout (a stalled connection fails over); the
    # local model is slow only when the CPU is busy, and waiting beats an apology then
    wrapped: list[llm.LLM[Any]] = [
        i if c.provider == "local" else FirstTokenTimeoutLLM(i, timeout_s=timeout, name=c.provider)
        for i, c in zip(instances, chain, strict=True)
    ]
    adapter = LLMChain(wrapped, attempt_timeout=timeout)
    _watch("llm", adapter, wrapped, chain)
    return adapter


def build_tts(settings: AgentSettings, build: BuildOptions) -> tts.TTS[Any]:
    return tts_chain(settings, [TTS_PROVIDERS[c.provider](c, build) for c in _chain(settings.tts)])


def tts_chain(settings: AgentSettings, instances: list[tts.TTS[Any]]) -> tts.TTS[Any]:
    chain = _chain(settings.tts)
    if len(instances) == 1:
        return instances[0]
    adapter = tts.FallbackAdapter(instances, max_retry_per_tts=0)
    _watch("tts", adapter, instances, chain)
    return adapter


class LLMChain(llm.FallbackAdapter):
    """``FallbackAdapter`` that tries the chain once per request. The session asks for 3
    retries of whatever LLM it has; around a chain that would replay every failing provider
    four times before the user hears the apology."""

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return super().chat(
            chat_ctx=chat_ctx,
            tools=tools,
            conn_options=dataclasses.replace(conn_options, max_retry=0),
            parallel_tool_calls=parallel_tool_calls,
            tool_choice=tool_choice,
            extra_kwargs=extra_kwargs,
        )

    async def aclose(self) -> None:
        await super().aclose()
        for instance in self._llm_instances:  # the adapter leaves their clients open
            await instance.aclose()


def _watch(
    source: Source,
    adapter: Any,
    instances: Sequence[Any],
    chain: Sequence[ProviderConfig],
) -> None:
    """Log and count each failover (a provider in the chain becoming unavailable) and
    every failed request of a provider in the chain: those errors stay inside the adapter;
    the session sees (and counts) only the chain's own error when every provider failed."""
    names = {id(i): c.provider for i, c in zip(instances, chain, strict=True)}
    position = {id(i): n for n, i in enumerate(instances)}

    def on_availability(ev: Any) -> None:
        instance = getattr(ev, source)  # AvailabilityChangedEvent.stt / .llm / .tts
        name = names.get(id(instance), "unknown")
        if ev.available:
            logger.info("provider recovered", extra={"source": source, "provider": name})
        elif position.get(id(instance), 0) < len(instances) - 1:
            logger.warning(
                "provider failed, falling back", extra={"source": source, "provider": name}
            )
            observability.record_fallback(source, name)
        else:
            logger.warning(
                "last provider in the chain failed", extra={"source": source, "provider": name}
            )

    def on_error(ev: Any) -> None:  # LLMError / STTError / TTSError; no text in it
        kind = observability.record_error(source, ev.error)
        logger.info("provider request failed", extra={"source": source, "type": kind})

    adapter.on(f"{source}_availability_changed", on_availability)
    for instance in instances:
        instance.on("error", on_error)
