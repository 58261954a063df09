"""``local``: the offline models (Silero VAD, Moonshine or Whisper, Qwen2.5/llama.cpp, Piper)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, llm, stt, tts, vad
from livekit.agents.tts.stream_adapter import StreamAdapterWrapper

from .. import languages
from ..local_models import (
    LlamaCppLLM,
    LlamaEngine,
    LlamaOptions,
    LocalSTT,
    MoonshineSTT,
    PiperOptions,
    PiperTTS,
    WhisperSTT,
    llm_gguf,
)
from ..local_models.clause_tokenizer import ClauseTokenizer
from ..model_host.client import HostedChatEngine, HostedPiperTTS, HostedSTT
from ..settings import AgentSettings, ProviderConfig, SttEngine
from .build_options import BuildOptions
from .log import logger
from .vad import InPlaceSileroVAD


class LocalVoice(tts.StreamAdapter):
    """Piper spoken clause by clause, with its pace adjustable per conversation. With
    ``pacing`` the later clauses of a reply are synthesised only as its audio runs low."""

    def __init__(
        self,
        piper: PiperTTS,
        tokenizer: ClauseTokenizer,
        *,
        pacing: tts.SentenceStreamPacer | None = None,
    ) -> None:
        super().__init__(tts=piper, sentence_tokenizer=tokenizer, text_pacing=pacing or False)
        self.piper = piper

    def stream(
        self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> StreamAdapterWrapper:
        self.piper.new_reply()  # one stream per reply: its first clause is needed now
        return super().stream(conn_options=conn_options)

    def set_length_scale(self, length_scale: float) -> None:
        # one conversation per job process, so this changes only the current one
        self.piper.update_options(length_scale=length_scale)

    @property
    def length_scale(self) -> float:
        return self.piper.options.length_scale


@dataclass(frozen=True, slots=True)
class Providers:
    vad: vad.VAD
    stt: stt.STT[Any]
    llm: llm.LLM[Any]
    tts: tts.TTS[Any]
    # the local voice in the TTS chain, if any (room metadata sets its pace)
    local_voice: LocalVoice | None = None

    def apply_voice(self, voice: str, paces: dict[str, float]) -> None:
        """Room metadata's voice id: ``slow``/``fast`` set the local voice's pace; other
        ids (``default``) keep the configured one, and so do remote TTS voices."""
        if self.local_voice is not None and voice in paces:
            self.local_voice.set_length_scale(paces[voice])


def omp_environment(settings: AgentSettings) -> None:
    """How llama.cpp's OpenMP threads wait (read by the OpenMP runtime when llama.cpp loads,
    in this process and the job processes it starts); variables already set are kept."""
    policy = settings.llm.omp_wait_policy
    if policy == "SPIN":
        os.environ.setdefault("GOMP_SPINCOUNT", str(settings.llm.omp_spin_count))
    else:
        os.environ.setdefault("OMP_WAIT_POLICY", policy)


def llama_options(
    settings: AgentSettings, *, slots: int = 1, threads: int | None = None
) -> LlamaOptions:
    return LlamaOptions(
        n_ctx=settings.llm.n_ctx,
        n_threads=threads or settings.llm.threads,
        max_tokens=settings.llm.max_tokens,
        temperature=settings.llm.temperature,
        slots=slots,
        cache_ram_mib=settings.model_host.cache_ram_mib if slots > 1 else 0,
        cache_reuse_tokens=settings.llm.cache_reuse_tokens,
    )


def llama_engine(
    settings: AgentSettings, *, slots: int = 1, threads: int | None = None
) -> LlamaEngine:
    """The local LLM engine (the GGUF is assembled on first use; weights load lazily)."""
    options = llama_options(settings, slots=slots, threads=threads)
    return LlamaEngine(llm_gguf(settings.model_dir, settings.llm.local_model), options)


def local_vad(settings: AgentSettings) -> vad.VAD:
    # 16 kHz in (the room input's rate): no resampling before the model
    return InPlaceSileroVAD.load(
        sample_rate=16000,
        min_speech_duration=settings.vad.min_speech_s,
        min_silence_duration=settings.vad.min_silence_s,
        prefix_padding_duration=settings.vad.prefix_padding_s,
        activation_threshold=settings.vad.activation_threshold,
    )


STT_ENGINES: dict[SttEngine, type[LocalSTT]] = {"moonshine": MoonshineSTT, "whisper": WhisperSTT}


def stt_engine(settings: AgentSettings) -> LocalSTT:
    """The configured offline STT engine, in this process (its model loads on first use)."""
    return STT_ENGINES[settings.stt.engine]()


def local_stt(config: ProviderConfig, build: BuildOptions) -> stt.STT[Any]:
    settings = build.settings
    plan = offline_plan(languages.resolve(build.language, config.language))
    if plan is not None and plan.multilingual_stt:
        # the configured engine hears English only; the host serves that one
        logger.info("offline hearing: multilingual Whisper", extra={"language": plan.code})
        hearing: LocalSTT = WhisperSTT.multilingual(
            languages.base_language(plan.code), settings.model_dir
        )
    elif (url := settings.model_host.url) is None:
        hearing = stt_engine(settings)
    else:  # the host's engine: the same setting (its name for the metrics)
        hearing = HostedSTT(url, model=STT_ENGINES[settings.stt.engine].DEFAULT_MODEL)
    if build.warm:
        hearing.warm_up()
    return hearing


def local_llm(config: ProviderConfig, build: BuildOptions) -> llm.LLM[Any]:
    settings = build.settings
    if (url := settings.model_host.url) is not None:
        # the host warmed its cache with the default prompt; a room's own is prefilled
        return LlamaCppLLM(
            engine=HostedChatEngine(
                url, llama_options(settings), timeout_s=settings.model_host.timeout_s
            )
        )
    engine = llama_engine(settings)
    if build.warm:
        # the prompt cache holds the system prompt, the offered tools and the greeting, so
        # the first user turn pays no load or prompt cost
        tools = list(build.tools)
        schema = llm.ToolContext(tools).parse_function_tools("openai") if tools else None
        engine.warm_up(settings.instructions, settings.greeting, schema)
    return LlamaCppLLM(engine=engine)


def local_tts(config: ProviderConfig, build: BuildOptions) -> tts.TTS[Any]:
    settings = build.settings
    plan = offline_plan(languages.resolve(build.language, config.language))
    espeak_voice = plan.espeak_voice if plan is not None else None
    if espeak_voice is not None:
        logger.warning(
            "no offline voice for the language: the English voice reads it, accented",
            extra={"language": espeak_voice},
        )
    options = PiperOptions(length_scale=settings.tts.length_scale, espeak_voice=espeak_voice)
    host = settings.model_host.url
    piper = PiperTTS(options=options) if host is None else HostedPiperTTS(host, options=options)
    if build.warm:
        piper.warm_up()
    # Piper is non-streaming: speak clause by clause as the LLM types.
    pace = settings.tts.pacing_remaining_s
    pacing = (
        tts.SentenceStreamPacer(
            min_remaining_audio=pace, max_text_length=settings.tts.pacing_max_chars
        )
        if pace > 0
        else None
    )
    tokenizer = ClauseTokenizer(first_chunk_words=settings.tts.first_chunk_words)
    return LocalVoice(piper, tokenizer, pacing=pacing)


def offline_plan(language: str) -> languages.OfflineLanguage | None:
    """What the offline models do for ``language``; None: English as configured (also for a
    language they do not hear, logged: the backend's catalog should not offer it)."""
    if languages.is_english(language):
        return None
    try:
        return languages.offline(language)
    except languages.UnsupportedLanguage:
        logger.error("the offline models do not hear the language", extra={"language": language})
        return None


def load_local_providers(
    settings: AgentSettings, *, warm: bool = True, tools: list[llm.Tool | llm.Toolset] | None = None
) -> Providers:
    """Load every local model (blocking, a few seconds): call it in the process prewarm.

    With ``warm`` each model runs once, and the LLM's prompt cache is filled with the
    system prompt, the ``tools`` the agent offers and the greeting, so the first user turn
    pays no load or prompt cost.
    """
    build = BuildOptions(settings=settings, warm=warm, tools=tuple(tools or ()))
    local = ProviderConfig()
    stt_ = local_stt(local, build)
    tts_ = local_tts(local, build)
    llm_ = local_llm(local, build)
    voice = tts_ if isinstance(tts_, LocalVoice) else None
    return Providers(vad=local_vad(settings), stt=stt_, llm=llm_, tts=tts_, local_voice=voice)
