from __future__ import annotations

from dataclasses import dataclass

from livekit.agents import llm

from ..settings import AgentSettings


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What every provider factory gets: the settings, the call's language (None: each
    section's own setting; ``languages.py`` maps it), and for the local models whether to
    warm them up (in the process prewarm) and which tools the LLM's prompt cache holds."""

    settings: AgentSettings
    warm: bool = True
    tools: tuple[llm.Tool | llm.Toolset, ...] = ()
    language: str | None = None
