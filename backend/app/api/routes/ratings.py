"""/api/conversations/{id}/rating: the user rates their own call (thumbs up or down, an
optional comment), at its end or later from the history. Another user's conversation
answers 404, like one that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status

from app import crud, ratings
from app.api.deps import BODY_ERRORS, USER_ERRORS, CurrentUser, SessionDep
from app.api.routes.conversations import NOT_FOUND_DETAIL
from app.schemas import RatingIn, RatingOut

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=USER_ERRORS)

NO_RATING_DETAIL = "this conversation has no rating"
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": NOT_FOUND_DETAIL}}


@router.put("/{conversation_id}/rating", responses={**_NOT_FOUND, **BODY_ERRORS})
def rate_conversation(
    conversation_id: uuid.UUID, body: RatingIn, user: CurrentUser, session: SessionDep
) -> RatingOut:
    """Rate the call; rating again replaces the earlier rating."""
    _check_own(session, user, conversation_id)
    rating = ratings.put(
        session,
        conversation_id=conversation_id,
        score=ratings.SCORES[body.score],
        comment=body.comment.strip(),
    )
    session.commit()
    return ratings.out(rating)


@router.delete(
    "/{conversation_id}/rating",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": f"{NOT_FOUND_DETAIL} | {NO_RATING_DETAIL}"}},
)
def delete_rating(conversation_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    """Take the rating back."""
    _check_own(session, user, conversation_id)
    if not ratings.delete(session, conversation_id=conversation_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_RATING_DETAIL)
    session.commit()


def _check_own(session: SessionDep, user: str, conversation_id: uuid.UUID) -> None:
    if crud.get_conversation(session, user_id=user, conversation_id=conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
