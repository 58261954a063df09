"""The user's rating of a call (thumbs up or down, an optional comment): reads and writes,
keyword-only. Nothing here commits."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.analytics import rollup
from app.models import ConversationRating, utcnow
from app.schemas import RatingOut, Thumb

SCORES: dict[Thumb, int] = {"up": 1, "down": -1}


def out(rating: ConversationRating) -> RatingOut:
    return RatingOut(
        score="up" if rating.score > 0 else "down", comment=rating.comment, rated_at=rating.rated_at
    )


def get(session: Session, *, conversation_id: uuid.UUID) -> ConversationRating | None:
    return session.get(ConversationRating, conversation_id)


def put(
    session: Session, *, conversation_id: uuid.UUID, score: int, comment: str
) -> ConversationRating:
    """Rate the conversation, replacing an earlier rating."""
    with rollup.tracked(session, conversation_id):
        rating = get(session, conversation_id=conversation_id)
        if rating is None:
            rating = ConversationRating(conversation_id=conversation_id)
            session.add(rating)
        rating.score = score
        rating.comment = comment
        rating.rated_at = utcnow()
    return rating


def delete(session: Session, *, conversation_id: uuid.UUID) -> bool:
    with rollup.tracked(session, conversation_id):
        rating = get(session, conversation_id=conversation_id)
        if rating is None:
            return False
        session.delete(rating)
    return True
