"""Builds the AgentSession from settings and loaded providers."""

from __future__ import annotations

from livekit.agents import AgentSession

from .providers.local import Providers
from .settings import AgentSettings
from .text_cleanup import strip_list_markers


def build_session(settings: AgentSettings, providers: Providers) -> AgentSession:
    return AgentSession(
        vad=providers.vad,
        stt=providers.stt,
        llm=providers.llm,
        tts=providers.tts,
        # Explicit, offline-only turn handling: never the cloud turn detector or the
        # adaptive (cloud) interruption model.
        turn_handling={
            "turn_detection": "vad",
            "interruption": {"mode": "vad", "min_duration": 0.5},
            "endpointing": {"min_delay": 0.05, "max_delay": 2.0},
            "preemptive_generation": {"enabled": False},
        },
        tts_text_transforms=["filter_markdown", "filter_emoji", strip_list_markers],
    )
