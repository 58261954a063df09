"""``openai``: api.openai.com, or any OpenAI-compatible server at ``base_url`` (vLLM,
Ollama, llama.cpp server). Transcriptions, chat completions and speech over HTTP."""

from __future__ import annotations

from typing import Any

import httpx2  # the openai SDK's HTTP client (an httpx fork)
import openai as openai_sdk
from livekit.agents import llm, stt, tts
from livekit.plugins import openai

from .. import languages
from ..http_clients import tls_context
from ..settings import ProviderConfig
from .build_options import BuildOptions

# OpenAI-compatible servers often need no key; the client insists on one (and would read
# OPENAI_API_KEY from the environment without it: settings are the only source here)
NO_KEY = "no-key"

DEFAULT_STT_MODEL = "gpt-4o-mini-transcribe"
DEFAULT_LLM_MODEL = "gpt-4.1-mini"
DEFAULT_TTS_MODEL = "gpt-4o-mini-tts"


def api_key(config: ProviderConfig) -> str:
    return config.api_key.get_secret_value() if config.api_key else NO_KEY


def client(config: ProviderConfig) -> openai_sdk.AsyncClient:
    """The plugins' own client settings, on the process's one TLS context: each plugin would
    load the CA bundle into a context of its own (three per call's process)."""
    return openai_sdk.AsyncClient(
        max_retries=0,
        api_key=api_key(config),
        base_url=config.base_url,
        http_client=httpx2.AsyncClient(
            verify=tls_context(),
            timeout=httpx2.Timeout(connect=15.0, read=5.0, write=5.0, pool=5.0),
            follow_redirects=True,
            limits=httpx2.Limits(
                max_connections=50, max_keepalive_connections=50, keepalive_expiry=120
            ),
        ),
    )


def openai_stt(config: ProviderConfig, build: BuildOptions) -> stt.STT[Any]:
    return openai.STT(
        model=config.model or DEFAULT_STT_MODEL,
        language=languages.openai_language(languages.resolve(build.language, config.language)),
        client=client(config),
        use_realtime=False,  # one HTTP request per utterance (segmented by our VAD)
    )


def openai_llm(config: ProviderConfig, build: BuildOptions) -> llm.LLM[Any]:
    return openai.LLM(
        model=config.model or DEFAULT_LLM_MODEL,
        client=client(config),
        temperature=build.settings.llm.temperature,
        max_completion_tokens=build.settings.llm.max_tokens,
    )


def openai_tts(config: ProviderConfig, build: BuildOptions) -> tts.TTS[Any]:
    return openai.TTS(
        model=config.model or DEFAULT_TTS_MODEL,
        voice=config.voice or "alloy",
        client=client(config),
        response_format="pcm",  # raw 24 kHz PCM: no decoding, first audio sooner
    )
