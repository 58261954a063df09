"""POST /api/token: the endpoint behind livekit-client's TokenSource.endpoint()."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy.orm import Session

from app import crud
from app.api.deps import (
    NO_AGENT_ERRORS,
    USER_ERRORS,
    CurrentAccount,
    ServicesDep,
    SessionDep,
    SettingsDep,
    admit_new_call,
    token_issued,
)
from app.core import job_credential
from app.core.config import Settings
from app.core.livekit import ParticipantGrant, issue_token
from app.core.room_metadata import choose, dispatch_metadata, recording_on, room_metadata
from app.core.services import Services
from app.experiments import assignment
from app.log import logger
from app.schemas import RoomName, TokenResponse

router = APIRouter(tags=["token"], responses=USER_ERRORS)

Name = Annotated[str, StringConstraints(max_length=128)]
Metadata = Annotated[str, StringConstraints(max_length=4096)]
# What the participant carries into every webhook about it: small (the body limit applies).
OwnMetadata = Annotated[str, StringConstraints(max_length=1024)]
AttributeKey = Annotated[str, StringConstraints(max_length=64)]
AttributeValue = Annotated[str, StringConstraints(max_length=256)]
_CONFLICTS = (
    crud.RoomNameTaken,
    crud.RoomNameReserved,
    crud.ConversationLimitReached,
    crud.ConversationEnded,
)


class _Lenient(BaseModel):
    # Newer clients may send keys we do not know: ignore them, but type-check the known ones.
    model_config = ConfigDict(extra="ignore")


class AgentDispatchIn(_Lenient):
    # Accepted but ignored: the server dispatches its own agent with its own metadata.
    agent_name: Name | None = None
    metadata: Metadata | None = None


class RoomConfigIn(_Lenient):
    agents: list[AgentDispatchIn] = Field(default_factory=list, max_length=8)


class TokenRequest(_Lenient):
    """The JSON body TokenSource.endpoint sends (livekit-client 2.23); every key optional."""

    room_name: RoomName | None = None
    participant_identity: Name | None = None  # accepted but ignored: identity comes from auth
    participant_name: Name | None = None
    participant_metadata: OwnMetadata | None = None
    participant_attributes: dict[AttributeKey, AttributeValue] | None = Field(
        default=None, max_length=8
    )
    room_config: RoomConfigIn | None = None

    @field_validator("participant_attributes")
    @classmethod
    def _no_reserved_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value and any(key.startswith("lk.") for key in value):
            raise ValueError("attribute keys starting with 'lk.' are reserved")
        return value


@router.post(
    "/token",
    responses={
        409: {"description": " | ".join(c.detail for c in _CONFLICTS)},
        **NO_AGENT_ERRORS,
    },
)
def create_token(
    settings: SettingsDep,
    account: CurrentAccount,
    session: SessionDep,
    services: ServicesDep,
    response: Response,
    body: TokenRequest,
) -> TokenResponse:
    """A token for one room, recorded as the user's conversation: a new room unless
    room_name names one of the caller's active conversations (rejoin). A new room gets the
    default persona, voice and language of GET /api/options."""
    with services.metrics.time_token_issue():
        return _create_token(settings, account.id, account.name, session, services, response, body)


def _create_token(
    settings: Settings,
    user: str,
    user_name: str,
    session: Session,
    services: Services,
    response: Response,
    body: TokenRequest,
) -> TokenResponse:
    try:
        conversation, created = crud.create_conversation(
            session,
            user_id=user,
            metadata=choose(settings.catalog, persona=None, voice=None, language=None),
            max_per_user=settings.max_conversations_per_user,
            room_name=body.room_name,
            experiment=assignment.assign(session, user_id=user),
        )
    except crud.Conflict as e:
        raise HTTPException(status.HTTP_409_CONFLICT, e.detail) from None
    if created:
        admit_new_call(services, settings, session, conversation)
    session.commit()
    record = recording_on(settings, conversation.room_metadata)
    variant = assignment.of_conversation(session, conversation)
    issued = issue_token(
        settings,
        ParticipantGrant(
            user=user,
            room_name=conversation.room_name,
            name=body.participant_name or user_name,
            room_metadata=room_metadata(
                settings.catalog, conversation.room_metadata, record=record, experiment=variant
            ),
            metadata=body.participant_metadata,
            attributes=body.participant_attributes,
            # Only the configured agent is dispatched, with the server's metadata.
            agent_metadata=dispatch_metadata(
                conversation_id=str(conversation.id),
                user_id=user,
                stored=conversation.room_metadata,
                credential=job_credential.for_conversation(settings, conversation),
                record=record,
            ),
        ),
    )
    token_issued(services, conversation, created=created)
    response.headers["Cache-Control"] = "no-store"
    logger.info(
        "token issued",
        extra={"room": issued.room_name, "identity": issued.participant_identity},
    )
    return TokenResponse(**dataclasses.asdict(issued))
