"""Builds the AgentSession from settings and loaded providers."""

from __future__ import annotations

from livekit.agents import AgentSession

from .providers.local import Providers
from .settings import AgentSettings
from .text_cleanup import strip_list_markers


def build_session(settings: AgentSettings, providers: Providers) -> AgentSession:
    turn = settings.turn
    return AgentSession(
        vad=providers.vad,
        stt=providers.stt,
        llm=providers.llm,
        tts=providers.tts,
        # Explicit, offline-only turn handling: never the cloud turn detector or the
        # adaptive (cloud) interruption model.
        turn_handling={
            "turn_detection": "vad",
            "interruption": {"mode": "vad", "min_duration": turn.interruption_min_s},
            "endpointing": {"min_delay": turn.min_delay_s, "max_delay": turn.max_delay_s},
            "preemptive_generation": {"enabled": turn.preemptive},
        },
        tts_text_transforms=["filter_markdown", "filter_emoji", strip_list_markers],
    )
