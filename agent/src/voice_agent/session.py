"""Builds the AgentSession from settings and loaded providers."""

from __future__ import annotations

from typing import Any

from livekit.agents import AgentSession, stt

from .local_models.speculative_stt import SpeculativeStreamAdapter
from .providers.local import Providers
from .settings import AgentSettings
from .text_cleanup import strip_list_markers
from .turn_detection import turn_detection


def session_stt(settings: AgentSettings, providers: Providers) -> stt.STT[Any]:
    """A non-streaming STT runs in the speculative adapter (the framework would otherwise
    wrap it in its own ``StreamAdapter``, which starts transcribing later)."""
    after = settings.turn.speculative_stt_s
    if providers.stt.capabilities.streaming or not 0 < after < settings.vad.min_silence_s:
        return providers.stt
    return SpeculativeStreamAdapter(stt=providers.stt, vad=providers.vad, speculate_after_s=after)


def build_session(settings: AgentSettings, providers: Providers) -> AgentSession[Any]:
    turn = settings.turn
    return AgentSession(
        vad=providers.vad,
        stt=session_stt(settings, providers),
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
