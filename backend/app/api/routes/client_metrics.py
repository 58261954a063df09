"""POST /api/metrics/client-latency: the web page's own end-of-speech to first-audio figure,
exported as va_backend_client_e2e_latency_seconds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from app import crud
from app.api.deps import USER_ERRORS, CurrentUser, MetricsDep, SessionDep
from app.schemas import JsonNumber, Number, RoomName

router = APIRouter(prefix="/metrics", tags=["metrics"], responses=USER_ERRORS)

NOT_FOUND_DETAIL = "conversation not found"


class ClientLatencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_name: RoomName
    turn: Annotated[int, Field(ge=0, le=1_000_000), JsonNumber]
    e2e_ms: Annotated[Number, Field(ge=0, le=60_000)]


@router.post(
    "/client-latency",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": NOT_FOUND_DETAIL}},
)
def post_client_latency(
    body: ClientLatencyIn, user: CurrentUser, session: SessionDep, metrics: MetricsDep
) -> None:
    """One turn's latency as the browser measured it, for one of the caller's rooms."""
    conversation = crud.get_conversation_by_room(session, room_name=body.room_name)
    if conversation is None or conversation.user_id != user:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    metrics.client_latency(body.e2e_ms / 1000)
