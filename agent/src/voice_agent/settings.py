"""The agent's one settings object: environment (prefix ``AGENT_``, nested with ``__``).

Examples: ``AGENT_NAME=voice-assistant``, ``AGENT_LLM__MAX_TOKENS=120``,
``AGENT_VAD__MIN_SILENCE_S=0.35``. LiveKit's own variables (``LIVEKIT_URL``,
``LIVEKIT_API_KEY``, ``LIVEKIT_API_SECRET``) are read by the framework and checked here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_INSTRUCTIONS = (
    "You are a friendly voice assistant. Answer in one or two short spoken sentences. "
    "No lists, no markdown, no emoji."
)


def _default_model_dir() -> Path:
    return Path.home() / ".cache" / "voice-assistant" / "models"


class VadSettings(BaseModel):
    min_silence_s: float = Field(0.2, ge=0.1, le=2.0)
    min_speech_s: float = Field(0.05, ge=0.0, le=1.0)
    activation_threshold: float = Field(0.5, gt=0.0, lt=1.0)
    prefix_padding_s: float = Field(0.2, ge=0.0, le=1.0)


class TurnSettings(BaseModel):
    """End of turn = VAD silence (``vad.min_silence_s``) + ``min_delay_s`` without new speech.

    With ``preemptive`` the LLM starts on the transcript as soon as the VAD closes a segment,
    before the turn is committed; it is discarded if the user goes on speaking.
    """

    min_delay_s: float = Field(0.1, ge=0.0, le=5.0)
    max_delay_s: float = Field(2.0, ge=0.1, le=10.0)
    # off: a speculative reply could act (save a note) on words the user then goes on with
    preemptive: bool = False
    interruption_min_s: float = Field(0.5, ge=0.1, le=5.0)


class SttSettings(BaseModel):
    provider: Literal["local"] = "local"


class LlmSettings(BaseModel):
    provider: Literal["local"] = "local"
    n_ctx: int = Field(4096, ge=512, le=32768)
    threads: int = Field(2, ge=1, le=64)
    max_tokens: int = Field(120, ge=8, le=2048)
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    # llama.cpp's OpenMP threads spin while they wait; on a 2-core box shared with the
    # browser and livekit-server that spinning more than doubled the first-token time
    # (measured in the e2e run: 0.8-1.9 s ACTIVE vs 0.4 s PASSIVE)
    omp_wait_policy: Literal["PASSIVE", "ACTIVE"] = "PASSIVE"
    # Offer the function tools to the model. Off for the 0.5B local model: offered tools, it
    # answered "What is the capital of France?" with a get_current_time call. The tools
    # still work: clear requests are recognised without the model (intents.py).
    offer_tools: bool = False


class TtsSettings(BaseModel):
    provider: Literal["local"] = "local"
    length_scale: float = Field(1.0, gt=0.2, le=3.0)
    # 0 = speak whole clauses only; N = the first chunk may also end after N words
    first_chunk_words: int = Field(0, ge=0, le=20)


class AgentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGENT_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    name: str = Field("voice-assistant", min_length=1, max_length=64)
    livekit_url: str = Field(
        "ws://127.0.0.1:7880", validation_alias=AliasChoices("LIVEKIT_URL", "AGENT_LIVEKIT_URL")
    )
    livekit_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LIVEKIT_API_KEY", "AGENT_LIVEKIT_API_KEY")
    )
    livekit_api_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("LIVEKIT_API_SECRET", "AGENT_LIVEKIT_API_SECRET")
    )
    model_dir: Path = Field(default_factory=_default_model_dir)
    instructions: str = DEFAULT_INSTRUCTIONS
    greeting: str = "Hello! How can I help you today?"
    # said instead of ``greeting`` when the room's conversation already has messages
    returning_greeting: str = "Welcome back! Where were we?"
    metrics_topic: str = "va.metrics"
    health_port: int = Field(0, ge=0, le=65535)
    # Concurrent conversations per worker. The worker's load is sessions / max_sessions
    # (CPU load is a poor signal here: the local models saturate the cores by design).
    max_sessions: int = Field(2, ge=1, le=256)
    vad: VadSettings = VadSettings()
    turn: TurnSettings = TurnSettings()
    stt: SttSettings = SttSettings()
    llm: LlmSettings = LlmSettings()
    tts: TtsSettings = TtsSettings()
    # Transcript persistence through the backend's /api/agent routes; None = off.
    backend_url: str | None = None
    service_token: SecretStr | None = Field(None, repr=False)
    backend_timeout_s: float = Field(5.0, gt=0.0, le=60.0)
    persist_retries: int = Field(3, ge=0, le=10)
    # IANA name for the time tools and the per-reply date context, e.g. Europe/Berlin
    timezone: str = "UTC"
    # the user's notes shown to the LLM with each reply: at most this many, newest first
    context_notes: int = Field(5, ge=0, le=50)

    @field_validator("backend_url", "service_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("backend_url")
    @classmethod
    def _check_backend_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError("must be an http:// or https:// URL")
            value = value.rstrip("/")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @model_validator(mode="after")
    def _backend_needs_token(self) -> AgentSettings:
        if self.backend_url and self.service_token is None:
            raise ValueError("AGENT_SERVICE_TOKEN must be set when AGENT_BACKEND_URL is")
        return self
