"""The assistant persona: instructions and lifecycle hooks."""

from __future__ import annotations

from livekit.agents import Agent, llm

from .settings import AgentSettings


class Assistant(Agent):
    """``chat_ctx``: the conversation so far, when the room already has one (a rejoin)."""

    def __init__(self, settings: AgentSettings, *, chat_ctx: llm.ChatContext | None = None) -> None:
        super().__init__(instructions=settings.instructions, chat_ctx=chat_ctx)
        returning = chat_ctx is not None and bool(chat_ctx.messages())
        self._greeting = settings.returning_greeting if returning else settings.greeting

    async def on_enter(self) -> None:
        # A fixed greeting is spoken at once (no LLM round trip) and enters the history.
        self.session.say(self._greeting, allow_interruptions=True)
