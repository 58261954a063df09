"""Builds the offline provider set (Silero VAD, Moonshine, Qwen2.5/llama.cpp, Piper)."""

from __future__ import annotations

from dataclasses import dataclass

from livekit.agents import llm, stt, tts, vad
from livekit.plugins import silero

from ..local_models import (
    LlamaCppLLM,
    LlamaEngine,
    LlamaOptions,
    MoonshineSTT,
    PiperOptions,
    PiperTTS,
    qwen_gguf,
)
from ..settings import AgentSettings


@dataclass(frozen=True, slots=True)
class Providers:
    vad: vad.VAD
    stt: stt.STT
    llm: llm.LLM
    tts: tts.TTS


def build_local_providers(settings: AgentSettings) -> Providers:
    """Load every local model (blocking, a few seconds): call it in the process prewarm."""
    engine = LlamaEngine(
        qwen_gguf(settings.model_dir),
        LlamaOptions(
            n_ctx=settings.llm.n_ctx,
            n_threads=settings.llm.threads,
            max_tokens=settings.llm.max_tokens,
            temperature=settings.llm.temperature,
        ),
    )
    return Providers(
        vad=silero.VAD.load(
            min_speech_duration=settings.vad.min_speech_s,
            min_silence_duration=settings.vad.min_silence_s,
            prefix_padding_duration=settings.vad.prefix_padding_s,
            activation_threshold=settings.vad.activation_threshold,
        ),
        stt=MoonshineSTT(),
        llm=LlamaCppLLM(engine=engine),
        tts=PiperTTS(options=PiperOptions(length_scale=settings.tts.length_scale)),
    )


def warm_up(providers: Providers, instructions: str) -> None:
    """Load weights and fill the LLM's prompt cache with the system prompt."""
    for provider in (providers.stt, providers.tts):
        if isinstance(provider, MoonshineSTT | PiperTTS):
            provider.warm_up()
    if isinstance(providers.llm, LlamaCppLLM):
        engine = providers.llm.engine
        request = {
            "messages": [
                {"role": "system", "content": instructions},
                {"role": "user", "content": "Hi"},
            ],
            "stream": True,
            "max_tokens": 1,
            "cache_prompt": True,
        }
        engine.complete(request, lambda _chunk: False)
