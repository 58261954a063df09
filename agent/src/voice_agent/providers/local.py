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
from ..local_models.clause_tokenizer import ClauseTokenizer
from ..settings import AgentSettings


@dataclass(frozen=True, slots=True)
class Providers:
    vad: vad.VAD
    stt: stt.STT
    llm: llm.LLM
    tts: tts.TTS


def llama_engine(settings: AgentSettings) -> LlamaEngine:
    """The local LLM engine (the GGUF is assembled on first use; weights load lazily)."""
    return LlamaEngine(
        qwen_gguf(settings.model_dir),
        LlamaOptions(
            n_ctx=settings.llm.n_ctx,
            n_threads=settings.llm.threads,
            max_tokens=settings.llm.max_tokens,
            temperature=settings.llm.temperature,
        ),
    )


def load_local_providers(
    settings: AgentSettings, *, warm: bool = True, tools: list[llm.Tool] | None = None
) -> Providers:
    """Load every local model (blocking, a few seconds): call it in the process prewarm.

    With ``warm`` each model runs once, and the LLM's prompt cache is filled with the
    system prompt, the ``tools`` the agent offers and the greeting, so the first user turn
    pays no load or prompt cost.
    """
    engine = llama_engine(settings)
    moonshine = MoonshineSTT()
    piper = PiperTTS(options=PiperOptions(length_scale=settings.tts.length_scale))
    if warm:
        moonshine.warm_up()
        piper.warm_up()
        schema = llm.ToolContext(tools).parse_function_tools("openai") if tools else None
        engine.warm_up(settings.instructions, settings.greeting, schema)
    return Providers(
        vad=silero.VAD.load(
            min_speech_duration=settings.vad.min_speech_s,
            min_silence_duration=settings.vad.min_silence_s,
            prefix_padding_duration=settings.vad.prefix_padding_s,
            activation_threshold=settings.vad.activation_threshold,
        ),
        stt=moonshine,
        llm=LlamaCppLLM(engine=engine),
        # Piper is non-streaming: speak clause by clause as the LLM types.
        tts=tts.StreamAdapter(
            tts=piper,
            sentence_tokenizer=ClauseTokenizer(first_chunk_words=settings.tts.first_chunk_words),
        ),
    )
