"""The agent's one settings object: environment (prefix ``AGENT_``, nested with ``__``).

Examples: ``AGENT_NAME=voice-assistant``, ``AGENT_LLM__MAX_TOKENS=120``,
``AGENT_VAD__MIN_SILENCE_S=0.35``, ``AGENT_LLM__FALLBACK='[{"provider": "local"}]'``.
``AGENT_CONFIG_FILE`` names an optional TOML file with the same keys (``[llm]``,
``[[llm.fallback]]``); the environment overrides it. LiveKit's own variables (``LIVEKIT_URL``,
``LIVEKIT_API_KEY``, ``LIVEKIT_API_SECRET``) are read by the framework and checked here.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

# Chosen on held-out turns (docs/benchmarks.md, 2026-11-30): longer rules or examples made
# the 0.5B model refuse small talk; this one sentence more made it ask again a little more.
DEFAULT_INSTRUCTIONS = (
    "You are a friendly voice assistant. Answer in one or two short spoken sentences. "
    "No lists, no markdown, no emoji. If the caller's words make no sense, ask them to say "
    "it again."
)


def _default_model_dir() -> Path:
    return Path.home() / ".cache" / "voice-assistant" / "models"


class VadSettings(BaseModel):
    # at least 0.25 with ``turn.detector=eot`` (checked below)
    min_silence_s: float = Field(0.2, ge=0.1, le=2.0)
    min_speech_s: float = Field(0.05, ge=0.0, le=1.0)
    activation_threshold: float = Field(0.5, gt=0.0, lt=1.0)
    prefix_padding_s: float = Field(0.2, ge=0.0, le=1.0)
    # The microphone audio's frame length as the session receives it (ms). Unset: 20 with a
    # local STT (it sees the end of speech sooner), else 50, the framework's default: each
    # frame costs Python work on its way to the VAD and STT, and with remote providers that
    # is most of a call's CPU (20 -> 50 ms: ~20 % less a call, docs/benchmarks.md).
    frame_ms: int | None = Field(None, ge=10, le=100)


TurnDetectorName = Literal["vad", "eot", "words", "lm"]
"""``vad``: silence alone ends a turn. ``eot``: livekit-agents' local audio end-of-turn model
(``inference.TurnDetector(version="v1-mini")``, weights inside ``livekit-local-inference``).
``words``: silence, unless the transcript stops on a word no sentence ends with ("the", "of",
"and", "um": ``unfinished_words.py``) or inside a clause ("My phone number is", "Where can I":
``unfinished_clauses.py``)."""

EOT_MIN_SILENCE_S = 0.25
"""The shortest VAD silence the framework accepts with its end-of-turn model (it asks the
model after 0.2 s of silence and wants the VAD to end speech 50 ms later)."""


class TurnSettings(BaseModel):
    """When the user's turn ends.

    ``detector=vad``: once the VAD has heard ``vad.min_silence_s`` of silence and at least
    ``min_delay_s`` has passed since speech ended. ``detector=eot``: after 0.2 s of silence
    the end-of-turn model judges the last 1.2 s of speech; "finished" ends the turn as
    ``vad`` does, "not finished" waits until ``max_delay_s`` after speech ended for the user
    to go on. ``detector=words``: as ``vad``, but a transcript that stops on a word no
    sentence ends with ("What is the capital of", "I need a table for, um") or inside a
    clause ("My phone number is", "Where can I") waits until ``max_delay_s`` too
    (``max_delay_s`` is used only by ``eot``, ``words`` and ``lm``). ``detector=lm``: as
    ``words``, and the local LLM judges whether the words can end the user's message; a reply
    to words judged unfinished ("I would like to know") is heard no sooner than
    ``max_delay_s`` after the speech (the user going on meanwhile interrupts it unheard).

    With ``preemptive`` the LLM starts on the transcript as soon as the VAD closes a segment,
    before the turn is committed; it is discarded if the user goes on speaking.
    """

    # lm (default): as words, and a reply to words the local LLM judges unfinished is held
    # until the user has been silent max_delay_s (turn_end_lm.py). Through the whole agent
    # (make bench-cuts, a 0.7 s pause) 3 of 30 bench sentences and 6 of 36 held-out ones
    # were cut as heard, against 8 and 20 with words; the judgement reads the reply's own
    # prompt, which the reply then reuses: voice-to-voice p50 1.06 s against 0.98 s (make
    # bench, back to back, 2026-11-30). With a remote LLM it is words. words: on the bench
    # it held 58 of 90 sentences cut by a 0.7 s pause (11 of 36 held-out ones; vad: none)
    # and ended every other question as soon as vad
    detector: TurnDetectorName = "lm"
    # eot: P(end of turn) below this means "not finished"; unset = the framework's calibrated
    # value for the language (0.36 for English)
    eot_threshold: float | None = Field(None, gt=0.0, lt=1.0)
    # lm: as words, then the local LLM is asked how likely the user's message is to end
    # where the words stop (turn_end_lm.py); below this, "not finished". Only with the local
    # LLM (a remote one: words alone). A judgement not back within lm_timeout_s: finished.
    # The judgement reads the reply's own prompt, which the reply then reuses, so waiting for
    # it costs the reply little: the timeout is for a model that is stuck, not slow
    lm_threshold: float = Field(0.01, gt=0.0, lt=1.0)
    lm_timeout_s: float = Field(3.0, gt=0.0, le=30.0)
    min_delay_s: float = Field(0.1, ge=0.0, le=5.0)
    max_delay_s: float = Field(1.5, ge=0.1, le=10.0)
    # off: a speculative reply could act (save a note) on words the user then goes on with
    preemptive: bool = False
    # Barge-in (talking over the agent): the agent's audio pauses once the VAD has heard
    # ``interruption_min_s`` of the caller's speech. A transcript with words, or a committed
    # user turn, then ends the reply for good; if none comes (a cough, a click, noise) and
    # the caller stays silent ``false_interruption_timeout_s``, the reply resumes where it
    # paused (``resume_false_interruption``; off: it stays stopped, and the framework only
    # reports the false interruption). 0.1 s: the session stops its audio ~0.17 s after the
    # caller's first sound (0.5 s: ~0.57 s); Silero paused for none of the bench's coughs,
    # clicks or noise bursts even then (make bench-quality, --part bargein).
    interruption_min_s: float = Field(0.1, ge=0.05, le=5.0)
    false_interruption_timeout_s: float = Field(2.0, gt=0.0, le=10.0)
    resume_false_interruption: bool = True
    # while a reply is spoken (or paused), a transcript of backchannel words alone ("mm-hm",
    # "uh-huh", "yeah", "okay": backchannel.py) is dropped: the reply resumes, unanswered.
    # So are up to 3 words with none that interrupts ("stop", "no", "hold", "what", "you"...)
    # heard from a short sound that was mostly a closed-mouth murmur (hum.py: Moonshine hears
    # "Mm-hmm." as "A mem."); the caller's audio is measured only while a reply plays.
    ignore_backchannels: bool = True
    # Start transcribing once the user has been silent this long, before the VAD's
    # ``vad.min_silence_s`` ends the utterance (kept if no speech follows); 0 = off.
    # Only for STTs that are not streaming (the local engines).
    speculative_stt_s: float = Field(0.06, ge=0.0, le=2.0)
    # While the user talks, transcribe the speech so far every this many seconds of speech
    # (interim transcripts: the page shows them, and the local LLM reads them into its prompt
    # cache, so the reply evaluates only the last words); 0 = off. With the local LLM and
    # Moonshine only (Whisper is too slow for it, a remote STT is paid for each). Each is made
    # only when the model host is otherwise idle (it refuses one at once while it transcribes,
    # replies or speaks for any call), so it never delays a turn's transcript or another
    # call's reply.
    partial_stt_s: float = Field(0.5, ge=0.0, le=10.0)

    @model_validator(mode="after")
    def _delays_ordered(self) -> TurnSettings:
        if self.max_delay_s < self.min_delay_s:
            raise ValueError(
                f"AGENT_TURN__MAX_DELAY_S ({self.max_delay_s}) must not be less than "
                f"AGENT_TURN__MIN_DELAY_S ({self.min_delay_s})"
            )
        return self


def http_url(value: str | None) -> str | None:
    """An http(s) URL without its trailing slash; ValueError for anything else."""
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        value = value.rstrip("/")
    return value


ProviderName = Literal["local", "openai", "azure"]
"""Registry keys (``providers/registry.py`` has one factory per name and kind)."""


class ProviderConfig(BaseModel):
    """One provider in a chain: the primary (the section itself) or a ``fallback`` entry.

    ``local``: the offline models (nothing else to set). ``openai``: api.openai.com with
    ``api_key``, or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server) at
    ``base_url``. ``azure``: Azure OpenAI for the LLM (``base_url`` = the resource endpoint,
    ``deployment``, ``api_version``, ``api_key``); Azure Speech for STT/TTS (``api_key`` and
    ``region``, or ``base_url`` = the speech endpoint).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: ProviderName = "local"
    model: str | None = Field(None, min_length=1)  # None: the provider's default
    base_url: str | None = None
    api_key: SecretStr | None = Field(None, repr=False)
    # Azure OpenAI
    deployment: str | None = Field(None, min_length=1)
    api_version: str | None = Field(None, min_length=1)
    # Azure Speech
    region: str | None = Field(None, min_length=1)
    # STT/TTS language (BCP-47, e.g. en-US) when the room names none; None: English. The
    # room's language wins, except over a more specific one of its own (languages.py)
    language: str | None = Field(None, min_length=2, max_length=35)
    # TTS voice for openai/azure (e.g. alloy, en-US-JennyNeural); None: the provider's default
    # (Azure: a voice of the call's language replaces one of another: languages.py)
    voice: str | None = Field(None, min_length=1)

    @field_validator("base_url", "api_key", "model", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        return http_url(value)


def missing_for(config: ProviderConfig, kind: Literal["stt", "llm", "tts"]) -> list[str]:
    """The fields ``config`` lacks for its provider and kind (empty when it is complete)."""
    if config.provider == "openai":
        # a custom server may need no key; api.openai.com always does
        return [] if config.api_key or config.base_url else ["api_key"]
    if config.provider == "azure" and kind == "llm":
        needed = ("base_url", "api_key", "deployment", "api_version")
        return [name for name in needed if not getattr(config, name)]
    if config.provider == "azure":  # Azure Speech
        missing = [] if config.api_key else ["api_key"]
        if not (config.region or config.base_url):
            missing.append("region")
        return missing
    return []


SttEngine = Literal["moonshine", "whisper"]
"""The offline STT (``provider=local``): ``moonshine`` (Moonshine tiny-en, ~0.1 s per
utterance) or ``whisper`` (Whisper tiny.en through faster-whisper, ~0.35 s, fewer errors on
human and unfamiliar voices; docs/benchmarks.md)."""


LocalLlm = Literal["qwen2.5-0.5b", "qwen2.5-1.5b"]
"""The offline LLM (``provider=local``), one of ``local_models.model_files.LLM_MODELS``."""


class SttSettings(ProviderConfig):
    fallback: list[ProviderConfig] = []
    # the local engine, here and in the model host (which serves every job the one it loaded)
    engine: SttEngine = "moonshine"
    # a provider that gives no transcript within this many seconds counts as failed
    attempt_timeout_s: float = Field(10.0, gt=0.0, le=120.0)


class LlmSettings(ProviderConfig):
    fallback: list[ProviderConfig] = []
    # no first token within this many seconds: the provider counts as failed and the next
    # one in the chain answers (or the apology is spoken). Remote providers only.
    first_token_timeout_s: float = Field(8.0, gt=0.0, le=120.0)
    # for every provider in the chain
    max_tokens: int = Field(120, ge=8, le=2048)
    # 0: greedy. The 0.5B model's answers were right more often than at 0.2 (held-out turns,
    # docs/benchmarks.md 2026-11-30), and a conversation gets the same reply every time
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    # the local model (llama.cpp): Qwen2.5-Coder 0.5B (the default: 45 tokens/s, first token
    # ~0.1 s) or 1.5B (the quality profile: better facts, ~25 tokens/s, ~0.25 s, 1.9 GB;
    # `make install-quality`), here and in the model host
    local_model: LocalLlm = "qwen2.5-0.5b"
    # the local model (llama.cpp): tokens of context per conversation (prompt and reply)
    n_ctx: int = Field(4096, ge=512, le=32768)
    # What one request to the chain may hold, prompt and reply (context_window.py drops the
    # oldest turns to fit). Unset: ``n_ctx``. At most ``n_ctx`` when the local model is in
    # the chain; raise it for a remote model with a larger window.
    context_tokens: int | None = Field(None, ge=512, le=2_000_000)
    # The local model: when the oldest turns are dropped, llama.cpp shifts the cached rest of
    # the conversation into place (runs of at least this many tokens) instead of evaluating
    # it again. Measured: the first cut of a long call (~1,200 tokens kept) took 8.2 s on
    # 2 cores without it, 0.2 s with it; 3 calls cut at once stalled ~35 s (docs/benchmarks.md).
    # 0 turns it off.
    cache_reuse_tokens: int = Field(64, ge=0, le=4096)
    threads: int = Field(2, ge=1, le=64)
    # How llama.cpp's OpenMP threads wait at their many per-token barriers. ACTIVE spins
    # forever: on a 2-core box shared with the browser and livekit-server the first token
    # took 0.8-1.9 s (e2e run). PASSIVE sleeps at once: decoding ran at ~16 tokens/s
    # instead of ~30. SPIN (default): spin ``omp_spin_count`` times, then sleep; with
    # 10000 the bench's first token and TTS first byte were both at their best.
    omp_wait_policy: Literal["SPIN", "PASSIVE", "ACTIVE"] = "SPIN"
    omp_spin_count: int = Field(10_000, ge=0, le=10_000_000)
    # Offer the function tools to the model. Off for the 0.5B local model: offered tools, it
    # answered "What is the capital of France?" with a get_current_time call. The tools
    # still work: clear requests are recognised without the model (intents.py).
    offer_tools: bool = False
    # The model sees the images the user shares (an OpenAI-style image part in the chat
    # context) and describes them. Only for a remote model with vision, on every provider of
    # the chain; the local 0.5B model has none (the agent then says ``files.image``).
    vision: bool = False

    @property
    def context_window(self) -> int:
        return self.context_tokens or self.n_ctx

    @model_validator(mode="after")
    def _vision_needs_a_remote_model(self) -> LlmSettings:
        if self.vision and any(p.provider == "local" for p in (self, *self.fallback)):
            raise ValueError(
                "AGENT_LLM__VISION needs a remote model with vision on every provider of the "
                "chain (openai or azure), not the local one"
            )
        return self


class TtsSettings(ProviderConfig):
    fallback: list[ProviderConfig] = []
    # the local voice (Piper): 1.0 = its own pace, higher = slower; room metadata's voice
    # ``slow``/``fast`` overrides it per conversation
    length_scale: float = Field(1.0, gt=0.2, le=3.0)
    # room metadata voice id -> local voice length_scale (``default``: ``length_scale``)
    voice_paces: dict[str, Annotated[float, Field(gt=0.2, le=3.0)]] = {"slow": 1.2, "fast": 0.85}
    # 0 = speak whole clauses only; N = the first chunk may also end after N words. 2: the
    # first audio ~0.3 s sooner than a whole clause on a 2-core box (0.05 s sooner than 3),
    # at the cost of a two-word first phrase (spoken without a pause after it)
    first_chunk_words: int = Field(2, ge=0, le=20)
    # the local voice gets a reply's later clauses only once less than this much of its audio
    # is left to play (the framework's text pacing), at most ``pacing_max_chars`` at a time:
    # several calls' first clauses are not queued behind one call's whole reply, and a reply
    # cut short is not synthesised to its end. 0 = every clause at once, as the LLM types
    pacing_remaining_s: float = Field(3.0, ge=0.0, le=60.0)
    pacing_max_chars: int = Field(150, ge=20, le=2000)


class ChatSettings(BaseModel):
    """Typed messages (``lk.chat``): a message longer than ``max_chars`` is answered with
    ``too_long`` instead of the model; more than ``max_messages`` within ``window_s`` seconds,
    and the user hears ``slow_down`` (once per window) while the extra ones are dropped."""

    max_chars: int = Field(2000, ge=1, le=100_000)
    max_messages: int = Field(12, ge=1, le=1000)
    window_s: float = Field(60.0, gt=0.0, le=3600.0)
    too_long: str = Field(
        "That message is too long for me. Please keep typed messages under "
        "{max_chars:,} characters.",
        min_length=1,
    )
    slow_down: str = Field(
        "You're sending messages faster than I can answer. Please slow down a little.",
        min_length=1,
    )

    @field_validator("too_long")
    @classmethod
    def _check_too_long(cls, value: str) -> str:
        try:
            value.format(max_chars=2000)
        except (KeyError, IndexError, ValueError):
            raise ValueError("may use only the placeholder {max_chars}") from None
        return value


class FileSettings(BaseModel):
    """Files the user attaches in the chat (byte streams on ``va.file``, file_input.py).

    A file over ``max_bytes``, of a type not in ``types``, or past ``max_files`` in one
    conversation is refused with the matching line (no model run). Text, Markdown and the text
    of a PDF go into the model's context, each cut to ``max_document_chars`` (the agent says
    so) and all of them together to ``max_context_chars`` (the newest documents first)."""

    max_bytes: int = Field(2_000_000, ge=1, le=100_000_000)
    max_files: int = Field(10, ge=1, le=1000)
    types: list[Literal["text", "markdown", "pdf", "image"]] = ["text", "markdown", "pdf", "image"]
    max_document_chars: int = Field(3000, ge=100, le=1_000_000)
    max_context_chars: int = Field(4000, ge=100, le=4_000_000)
    read: str = Field("I've read {name}.", min_length=1)
    read_part: str = Field(
        "{name} is long: I've read its first {chars:,} characters.", min_length=1
    )
    image: str = Field("I've saved {name}, but I can't see images.", min_length=1)
    # with ``AGENT_LLM__VISION``: what the model is asked to do with an image just shared
    describe_image: str = Field(
        "The user just shared the image {name}. Say in one or two short sentences what it shows.",
        min_length=1,
    )
    empty: str = Field("I couldn't find any text in {name}.", min_length=1)
    too_big: str = Field(
        "{name} is too large for me. Please send files under {max_bytes:,} bytes.", min_length=1
    )
    wrong_type: str = Field(
        "I can't read {name}. I can take text, Markdown, PDF and image files.", min_length=1
    )
    too_many: str = Field(
        "That's more files than I can take in one conversation (at most {max_files}).",
        min_length=1,
    )

    @model_validator(mode="after")
    def _check_lines(self) -> FileSettings:
        values = {"name": "a.txt", "chars": 1, "max_bytes": 1, "max_files": 1}
        lines = ("read", "read_part", "image", "describe_image", "empty", "too_big")
        for line in (*lines, "wrong_type", "too_many"):
            try:
                getattr(self, line).format(**values)
            except (KeyError, IndexError, ValueError):
                raise ValueError(f"{line}: unknown placeholder") from None
        return self


class CallLimitSettings(BaseModel):
    """A call ends (after a short goodbye) ``max_call_s`` after it started, or once neither
    side has spoken for ``idle_timeout_s`` (the framework's user-away timeout)."""

    max_call_s: float = Field(3600.0, gt=0.0, le=86_400.0)
    idle_timeout_s: float = Field(300.0, gt=0.0, le=86_400.0)
    idle_goodbye: str = Field(
        "I haven't heard from you in a while, so I'll end the call now. Goodbye!", min_length=1
    )
    max_call_goodbye: str = Field(
        "We've reached the time limit for this call, so I'll end it now. Goodbye!", min_length=1
    )


class RecordingSettings(BaseModel):
    """A call whose user turned recording on (room metadata ``record``) is recorded with the
    framework's RecorderIO into a local Ogg file, whose new bytes go to the backend every
    ``upload_interval_s`` (at most ``max_chunk_bytes`` per request, the backend's limit).
    Once the recorder runs, the agent says ``notice`` before its greeting (empty: no notice)."""

    upload_interval_s: float = Field(3.0, gt=0.0, le=60.0)
    max_chunk_bytes: int = Field(1_048_576, ge=1024, le=16 * 1_048_576)
    notice: str = Field("This call is being recorded.", max_length=300)


class RecoverySettings(BaseModel):
    """A job process that dies mid-call is replaced (recovery.py) at most ``max_attempts``
    times per room within ``window_s``; past that the caller is told the call cannot go on
    (a crash loop must not run forever)."""

    max_attempts: int = Field(3, ge=0, le=100)
    window_s: float = Field(300.0, gt=0.0, le=86_400.0)


class ModelHostSettings(BaseModel):
    """One process per machine holds the offline models for every job on it
    (``python -m voice_agent.model_host``; ``make run`` starts it). Unset ``url``: each job
    process loads its own copy (about 1.3 GB each), as ``make console`` does."""

    url: str | None = None
    # the host's own address (loopback: the jobs on this machine are its only clients)
    host: str = "127.0.0.1"
    port: int = Field(8090, ge=1, le=65535)
    # conversations the LLM decodes at once, each with ``llm.n_ctx`` tokens of context; the
    # worker takes at most this many calls (2 cores answered 4 at once within 1.5 s)
    slots: int = Field(4, ge=1, le=64)
    # llama.cpp's threads in the host (``llm.threads`` is the in-process engine's). Every
    # token waits at many barriers for all its threads; with the cores busy with other calls
    # a descheduled thread stalls the rest: 2 threads decoded ~1 token/s at 4 calls on
    # 2 cores (v2v p50 6.4 s), 1 thread kept it at 2.0 s (docs/benchmarks.md)
    threads: int = Field(1, ge=1, le=64)
    # host memory for prompts evicted from a slot, restored when their conversation returns.
    # Each conversation keeps a slot of its own (model_host/slots.py) and the worker takes at
    # most ``slots`` calls, so nothing is evicted: 0. Set it where more conversations than
    # slots share the host (every turn stores the whole prompt again: it fills to this size)
    cache_ram_mib: int = Field(0, ge=0, le=65536)
    # a reply that has not finished streaming in this long fails over (or is apologised for)
    timeout_s: float = Field(30.0, gt=0.0, le=300.0)

    @field_validator("url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return http_url(value)


class JournalSettings(BaseModel):
    """Transcript and timeline writes are stored here, on disk, before they count as written,
    and stay until the backend has them (``persistence/journal.py``): one folder per worker
    machine, shared by its processes; 0700, its files 0600. Past ``max_mb`` or ``max_age_h``
    the oldest unsent writes are dropped, with an error in the log."""

    dir: Path = Path(".data/agent-journal")
    max_mb: int = Field(256, ge=1, le=1_048_576)
    max_age_h: float = Field(168.0, gt=0.0, le=87_600.0)
    # messages per request to the backend's batch route (its BACKEND_MAX_BATCH_MESSAGES: 1000)
    batch_messages: int = Field(1000, ge=1, le=10_000)


class _TomlFile(TomlConfigSettingsSource):
    """``AGENT_CONFIG_FILE``: a missing or unparsable file is a settings error naming it."""

    def _read_file(self, file_path: Path) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise SettingsError(f"AGENT_CONFIG_FILE={file_path}: {e}") from None


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
    # the same, when the user's name is known (participant attribute ``name`` or name)
    named_greeting: str = "Hello {name}! How can I help you today?"
    named_returning_greeting: str = "Welcome back, {name}! Where were we?"
    # said by an agent that takes over a call whose agent died (recovery.py); {last} is the
    # user's last words before that, shortened
    resume_greeting: str = "Sorry, I lost you for a moment. You were saying: {last}"
    resume_greeting_no_history: str = "Sorry, I lost you for a moment. Where were we?"
    # spoken when every LLM provider failed, instead of silence
    apology: str = Field("Sorry, I'm having trouble answering right now.", min_length=1)
    # said instead of the model's refusal ("I'm sorry, but I can't assist with that."): what
    # the small model says to words it cannot make sense of, mostly misheard ones
    unclear_reply: str = Field("Sorry, I didn't catch that. Could you say it again?", min_length=1)
    # how long the job waits for the user to join before greeting without a name
    participant_wait_s: float = Field(5.0, ge=0.0, le=60.0)
    metrics_topic: str = "va.metrics"
    health_port: int = Field(0, ge=0, le=65535)
    # the address of the worker's HTTP endpoints (health, /metrics): loopback unless set
    http_host: str = "127.0.0.1"
    # Prometheus /metrics of the worker and all its job processes; 0 = off
    metrics_port: int = Field(0, ge=0, le=65535)
    # where job processes write their metric values (prometheus_client multi-process mode);
    # emptied when the worker starts; default: a new temporary directory
    metrics_dir: Path | None = None
    # OTLP/HTTP collector for per-turn traces, e.g. http://127.0.0.1:4318; unset = no traces
    otlp_endpoint: str | None = None
    # let transcripts, prompts and tool arguments into the exported traces (off: stripped)
    trace_content: bool = False
    # Concurrent calls this box takes, all its worker processes together; unset: what the
    # host can do (capacity.py: the model host's LLM slots, 2 with in-process models, 6 per
    # core with remote providers only)
    max_sessions: int | None = Field(None, ge=1, le=256)
    # The worker processes on this box that share that cap (scripts/stack.py sets both from
    # VA_AGENT_WORKERS), and which of them this one is (1 to ``workers``): each takes
    # ``max_sessions // workers`` calls, the first ``max_sessions % workers`` one more
    workers: int = Field(1, ge=1, le=64)
    worker_index: int = Field(1, ge=1, le=64)
    # How the worker runs its calls: ``process`` (a job process each: a crash or a blocked
    # event loop stays in its call) or ``thread`` (jobs as threads of the worker process: no
    # interpreter per call: less memory, but one GIL for every call's VAD and audio). Unset:
    # ``process`` (capacity.py says why).
    job_executor: Literal["process", "thread"] | None = None
    # Count the worker full when its CPU has been busy (15 s average): unset = only without
    # local models. With them the cores are saturated by design at every reply, and on a
    # box shared with a browser or tests a busy CPU refused calls the models could serve.
    load_cpu: bool | None = None
    # On SIGTERM the worker takes no new calls and waits this long for the running ones to end
    # (the framework's default, one hour); a Kubernetes pod's terminationGracePeriodSeconds
    # must cover it (deploy/helm sets both from one value)
    drain_timeout_s: int = Field(3600, ge=1, le=86_400)
    # CPU niceness of a process while it serves a conversation: below 0 it runs ahead of other
    # programs (needs root or RLIMIT_NICE, else 0 is used); warm-ups always run at idle priority
    job_nice: int = Field(-5, ge=-20, le=0)
    vad: VadSettings = VadSettings()
    turn: TurnSettings = TurnSettings()
    stt: SttSettings = SttSettings()
    llm: LlmSettings = LlmSettings()
    tts: TtsSettings = TtsSettings()
    chat: ChatSettings = ChatSettings()
    files: FileSettings = FileSettings()
    limits: CallLimitSettings = CallLimitSettings()
    recovery: RecoverySettings = RecoverySettings()
    recording: RecordingSettings = RecordingSettings()
    model_host: ModelHostSettings = ModelHostSettings()
    # Transcript persistence through the backend's /api/agent routes; None = off.
    backend_url: str | None = None
    service_token: SecretStr | None = Field(None, repr=False)
    backend_timeout_s: float = Field(5.0, gt=0.0, le=60.0)
    # retries of the backend reads (history, notes); journaled writes retry until sent
    persist_retries: int = Field(3, ge=0, le=10)
    journal: JournalSettings = JournalSettings()
    # IANA name for the time tools and the per-reply date context, e.g. Europe/Berlin
    timezone: str = "UTC"
    # the user's notes shown to the LLM with each reply: at most this many, newest first
    context_notes: int = Field(5, ge=0, le=50)

    @field_validator("backend_url", "service_token", "otlp_endpoint", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("backend_url", "otlp_endpoint")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        return http_url(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("resume_greeting")
    @classmethod
    def _check_resume_template(cls, value: str) -> str:
        try:
            value.format(last="hello")
        except (KeyError, IndexError, ValueError):
            raise ValueError("may use only the placeholder {last}") from None
        return value

    @field_validator("named_greeting", "named_returning_greeting")
    @classmethod
    def _check_name_template(cls, value: str) -> str:
        try:
            value.format(name="Ada")
        except (KeyError, IndexError, ValueError):
            raise ValueError("may use only the placeholder {name}") from None
        return value

    @model_validator(mode="after")
    def _vad_fits_turn_detector(self) -> AgentSettings:
        if self.turn.detector == "eot" and self.vad.min_silence_s < EOT_MIN_SILENCE_S:
            raise ValueError(
                f"AGENT_VAD__MIN_SILENCE_S ({self.vad.min_silence_s}) must be at least "
                f"{EOT_MIN_SILENCE_S} with AGENT_TURN__DETECTOR=eot"
            )
        return self

    @model_validator(mode="after")
    def _worker_is_one_of_them(self) -> AgentSettings:
        if self.worker_index > self.workers:
            raise ValueError(
                f"AGENT_WORKER_INDEX ({self.worker_index}) must not exceed AGENT_WORKERS "
                f"({self.workers})"
            )
        return self

    @model_validator(mode="after")
    def _backend_needs_token(self) -> AgentSettings:
        if self.backend_url and self.service_token is None:
            raise ValueError("AGENT_SERVICE_TOKEN must be set when AGENT_BACKEND_URL is")
        return self

    @model_validator(mode="after")
    def _context_fits(self) -> AgentSettings:
        section = self.llm
        window = section.context_window
        local = any(c.provider == "local" for c in [section, *section.fallback])
        if local and window > section.n_ctx:
            raise ValueError(
                f"AGENT_LLM__CONTEXT_TOKENS ({window}) must not exceed AGENT_LLM__N_CTX "
                f"({section.n_ctx}) while the local model is in the chain"
            )
        if section.max_tokens > window // 2:
            raise ValueError(
                f"AGENT_LLM__MAX_TOKENS ({section.max_tokens}) must leave at least half of the "
                f"context ({window} tokens) to the prompt"
            )
        return self

    @model_validator(mode="after")
    def _providers_are_complete(self) -> AgentSettings:
        # checked here, where the setting's full name is known (also for fallback entries)
        kinds: tuple[tuple[Literal["stt", "llm", "tts"], ProviderConfig], ...] = (
            ("stt", self.stt),
            ("llm", self.llm),
            ("tts", self.tts),
        )
        for kind, section in kinds:
            chain = [section, *section.fallback]  # type: ignore[attr-defined]
            for i, config in enumerate(chain):
                where = f"AGENT_{kind.upper()}" + ("" if i == 0 else f"__FALLBACK__{i - 1}")
                if missing := missing_for(config, kind):
                    names = ", ".join(f"{where}__{m.upper()}" for m in missing)
                    hint = (
                        f" (or {where}__BASE_URL for an OpenAI-compatible server)"
                        if config.provider == "openai"
                        else ""
                    )
                    raise ValueError(f"{names} must be set for provider {config.provider}{hint}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment over the optional TOML file (AGENT_CONFIG_FILE) over the defaults
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file := os.environ.get("AGENT_CONFIG_FILE"):
            if not Path(config_file).is_file():  # pydantic-settings skips a missing file
                raise SettingsError(f"AGENT_CONFIG_FILE={config_file}: no such file")
            sources.append(_TomlFile(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)
