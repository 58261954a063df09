"""Builds the AgentSession from settings and loaded providers."""

from __future__ import annotations

from typing import Any

from livekit.agents import AgentSession, stt, vad

from .local_models.speculative_stt import SpeculativeStreamAdapter
from .providers.local import Providers
from .settings import AgentSettings
from .shared_vad import SharedVAD
from .text_cleanup import strip_list_markers
from .turn_detection import turn_detection


def session_ears(settings: AgentSettings, providers: Providers) -> tuple[vad.VAD, stt.STT[Any]]:
    """The session's VAD and STT. A non-streaming STT runs in the speculative adapter (the
    framework would otherwise wrap it in its own ``StreamAdapter``, which starts transcribing
    later), which shares the session's VAD inference (shared_vad.py)."""
    after = settings.turn.speculative_stt_s
    if providers.stt.capabilities.streaming or not 0 < after < settings.vad.min_silence_s:
        return providers.vad, providers.stt
    shared = SharedVAD(providers.vad)
    adapter = SpeculativeStreamAdapter(
        stt=providers.stt,
        vad=shared.transcriber(),
        speculate_after_s=after,
        partial_every_s=settings.turn.partial_stt_s if _reads_ahead(settings) else 0.0,
    )
    return shared, adapter


def _reads_ahead(settings: AgentSettings) -> bool:
    """Transcripts while the user talks pay for themselves with the local LLM (read_ahead.py)
    and the fast local STT: Moonshine (~0.09 s an utterance; Whisper takes both cores
    ~0.4 s), not a remote STT that is paid for each."""
    stt_ = settings.stt
    return (
        stt_.provider == "local" and stt_.engine == "moonshine" and settings.llm.provider == "local"
    )


def session_stt(settings: AgentSettings, providers: Providers) -> stt.STT[Any]:
    """The session's STT alone (the quality bench hears through it)."""
    return session_ears(settings, providers)[1]


LOCAL_STT_FRAME_MS = 20
REMOTE_STT_FRAME_MS = 50


def input_frame_ms(settings: AgentSettings) -> int:
    """The microphone audio's frame length (``AGENT_VAD__FRAME_MS``; settings.py says why)."""
    if settings.vad.frame_ms is not None:
        return settings.vad.frame_ms
    local = any(c.provider == "local" for c in (settings.stt, *settings.stt.fallback))
    return LOCAL_STT_FRAME_MS if local else REMOTE_STT_FRAME_MS


def build_session(settings: AgentSettings, providers: Providers) -> AgentSession[Any]:
    turn = settings.turn
    vad_, stt_ = session_ears(settings, providers)
    return AgentSession(
        vad=vad_,
        stt=stt_,
        llm=providers.llm,
        tts=providers.tts,
        # Explicit, offline-only turn handling: never the cloud turn detector or the
        # adaptive (cloud) interruption model.
        turn_handling={
            "turn_detection": turn_detection(settings),
            "interruption": {
                "mode": "vad",
                "min_duration": turn.interruption_min_s,
                "min_words": 0,  # a word count waits for the STT: no stop within 0.3 s
                "resume_false_interruption": turn.resume_false_interruption,
                "false_interruption_timeout": turn.false_interruption_timeout_s,
            },
            "endpointing": {"min_delay": turn.min_delay_s, "max_delay": turn.max_delay_s},
            "preemptive_generation": {"enabled": turn.preemptive},
        },
        tts_text_transforms=["filter_markdown", "filter_emoji", strip_list_markers],
        # the user counts as away after this long without speech (call_limits.py ends it)
        user_away_timeout=settings.limits.idle_timeout_s,
    )
