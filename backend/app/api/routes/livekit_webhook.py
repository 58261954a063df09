"""POST /livekit/webhook: signed LiveKit server events that end conversations.

- The Authorization header must be a JWT signed with the LiveKit API secret whose sha256 claim
  matches the raw body (WebhookReceiver); anything else is 401.
- Each event id is stored (processed_events) in the same transaction as its effect, so a
  replayed or retried delivery answers 200 "duplicate" and changes nothing.
- room_finished ends the room's conversation (ended_at is the event's time). The user
  leaving (participant_left) does not: a page reload or a network drop looks the same to
  LiveKit as a hang-up, so the call waits for them to rejoin. A hang-up ends the call
  explicitly (POST /api/conversations/{id}/end deletes the room); a user who does not come
  back within BACKEND_REJOIN_GRACE_SECONDS (the room's departure timeout) has the room
  closed by LiveKit, which sends room_finished.
- A user joining an active call (participant_joined) puts the room under the reconcile's
  watch and wakes it (app.core.redispatch): a user back in a room whose agent died while
  they were away gets one at once, and a call whose agent never came (LiveKit dropped the
  dispatch: no worker had room at that moment) gets one once a worker has.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from google.protobuf.json_format import ParseError
from livekit import api
from pydantic import BaseModel

from app import crud
from app.api.deps import (
    BODY_ERRORS,
    MetricsDep,
    ServicesDep,
    SessionDep,
    SessionRegistryDep,
    SettingsDep,
)
from app.core.agent_capacity import CapacityUnavailable
from app.core.metrics import UNVERIFIED_EVENT
from app.core.services import Services
from app.core.session_registry import note_ended, note_started
from app.log import logger
from app.models import utcnow

router = APIRouter(tags=["livekit"])

INVALID_SIGNATURE_DETAIL = "invalid webhook signature"
INVALID_EVENT_DETAIL = "invalid webhook event"
_WEBHOOK_BODY = {
    "required": True,
    "content": {"application/webhook+json": {"schema": {"type": "object"}}},
}


class WebhookResult(BaseModel):
    status: Literal["processed", "duplicate"]


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/webhook",
    openapi_extra={"requestBody": _WEBHOOK_BODY},
    responses={
        413: BODY_ERRORS[413],
        400: {"description": INVALID_EVENT_DETAIL},
        401: {"description": INVALID_SIGNATURE_DETAIL},
    },
)
def livekit_webhook(
    body: Annotated[bytes, Depends(raw_body)],
    settings: SettingsDep,
    session: SessionDep,
    metrics: MetricsDep,
    registry: SessionRegistryDep,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
) -> WebhookResult:
    try:
        event = _verified_event(
            settings.livekit_api_key, settings.livekit_api_secret, body, authorization
        )
    except HTTPException:
        metrics.webhook(UNVERIFIED_EVENT, "rejected")
        raise
    if not crud.record_event(session, event_id=event.id, event=event.event):
        logger.info("webhook replay ignored", extra={"event_id": event.id, "event": event.event})
        metrics.webhook(event.event, "duplicate")
        return WebhookResult(status="duplicate")
    conversation = crud.get_conversation_by_room(session, room_name=event.room.name)
    ends = event.event == "room_finished"
    if conversation is not None and ends:
        ended_at = _event_time(event.created_at)
        if crud.end_conversation(session, conversation=conversation, ended_at=ended_at):
            logger.info("conversation ended", extra={"room": event.room.name, "event": event.event})
    session.commit()
    metrics.webhook(event.event, "accepted")
    if ends:
        note_ended(registry, event.room.name)
    elif conversation is not None and conversation.status == "active" and _starts(event):
        note_started(
            registry,
            event.room.name,
            user=conversation.user_id,
            started_at=conversation.started_at,
            joined=True,
        )
        if event.event == "participant_joined":
            _watch(services, event.room.name)
    return WebhookResult(status="processed")


def _watch(services: Services, room: str) -> None:
    try:
        services.agent_capacity.expect(room)
    except CapacityUnavailable:
        logger.warning("capacity store unavailable: room not watched", extra={"room": room})
    services.reconcile_wakeup.set()


def _starts(event: api.WebhookEvent) -> bool:
    if event.event == "room_started":
        return True
    return (
        event.event == "participant_joined"
        and event.participant.kind != api.ParticipantInfo.Kind.AGENT
    )


def _verified_event(
    key: str, secret: str, body: bytes, authorization: str | None
) -> api.WebhookEvent:
    if not authorization:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INVALID_SIGNATURE_DETAIL)
    try:
        # A body that is not UTF-8 cannot be what LiveKit signed: the signature check fails.
        text = body.decode("utf-8")
        event = api.WebhookReceiver(api.TokenVerifier(key, secret)).receive(text, authorization)
    except ParseError:  # signed, but not a WebhookEvent
        raise HTTPException(status.HTTP_400_BAD_REQUEST, INVALID_EVENT_DETAIL) from None
    except Exception:  # the SDK raises bare Exception (and jwt/base64 errors) for bad signatures
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, INVALID_SIGNATURE_DETAIL) from None
    if not event.id or not event.event or len(event.id) > 128:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, INVALID_EVENT_DETAIL)
    return event


def _event_time(created_at: int) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(created_at, dt.UTC) if created_at > 0 else utcnow()
    except (OverflowError, OSError, ValueError):
        return utcnow()
