"""The assistant persona: instructions and lifecycle hooks."""

from __future__ import annotations

from livekit.agents import Agent

from .settings import AgentSettings


class Assistant(Agent):
    def __init__(self, settings: AgentSettings) -> None:
        super().__init__(instructions=settings.instructions)
        self._greeting = settings.greeting

    async def on_enter(self) -> None:
        # A fixed greeting is spoken at once (no LLM round trip) and enters the history.
        self.session.say(self._greeting, allow_interruptions=True)
