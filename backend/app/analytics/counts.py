"""The analytics columns of a conversation, kept on write so that the aggregates read one row
per conversation instead of its messages and events: the room metadata's choices, the
providers the agent reported, and the counts of turns, interruptions, errors and fallbacks
(recounted from the rows, so a replayed write never counts twice)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import Conversation, ConversationEvent, Message

V2V_KEY = "e2e_ms"  # the agent's voice-to-voice figure (recorder.py LATENCY_KEYS)
CHOICES = ("persona", "voice", "language")
# The agent's info event naming its providers ("providers: openai", or
# "providers: stt=local llm=openai tts=azure"), written once at the start of a call.
PROVIDERS_PREFIX = "providers: "
_PROVIDER_CHARS = 64


def choices(metadata: Mapping[str, Any]) -> dict[str, str | None]:
    """The conversation's persona, voice and language columns from its room metadata."""
    return {name: _text(metadata.get(name)) for name in CHOICES}


def v2v_ms(latency: Mapping[str, float]) -> float | None:
    value = latency.get(V2V_KEY)
    return float(value) if value is not None else None


def count_messages(session: Session, conversation_id: uuid.UUID) -> None:
    """Recount the conversation's turns (user messages) and interrupted replies."""
    mine = Message.conversation_id == conversation_id
    turns = select(func.count()).where(mine, Message.role == "user").scalar_subquery()
    cut = select(func.count()).where(mine, Message.interrupted.is_(True)).scalar_subquery()
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(turns=turns, interruptions=cut)
        .execution_options(synchronize_session=False)
    )


def count_events(session: Session, conversation_id: uuid.UUID) -> None:
    """Recount the conversation's errors and fallbacks."""
    mine = ConversationEvent.conversation_id == conversation_id
    errors = select(func.count()).where(mine, ConversationEvent.kind == "error")
    fallbacks = select(func.count()).where(mine, ConversationEvent.kind == "fallback")
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(errors=errors.scalar_subquery(), fallbacks=fallbacks.scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def note_providers(
    session: Session, conversation_id: uuid.UUID, *, kind: str, source: str, detail: str
) -> None:
    """Store the providers named by the agent's ``providers:`` info event, if this is one."""
    if kind != "info" or source != "agent" or not detail.startswith(PROVIDERS_PREFIX):
        return
    provider = detail.removeprefix(PROVIDERS_PREFIX).strip()[:_PROVIDER_CHARS] or None
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(provider=provider)
        .execution_options(synchronize_session=False)
    )


def _text(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) and value else None
