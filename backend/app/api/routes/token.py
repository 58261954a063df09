"""POST /api/token: the endpoint behind livekit-client's TokenSource.endpoint()."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.api.deps import CurrentUser, SettingsDep
from app.core.livekit import ParticipantGrant, issue_token
from app.log import logger

router = APIRouter(tags=["token"])

Name = Annotated[str, StringConstraints(max_length=128)]
Metadata = Annotated[str, StringConstraints(max_length=4096)]
RoomName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class _Lenient(BaseModel):
    # Newer clients may send keys we do not know: ignore them, but type-check the known ones.
    model_config = ConfigDict(extra="ignore")


class AgentDispatchIn(_Lenient):
    agent_name: Name | None = None
    metadata: Metadata | None = None


class RoomConfigIn(_Lenient):
    agents: list[AgentDispatchIn] = Field(default_factory=list, max_length=8)


class TokenRequest(_Lenient):
    """The JSON body TokenSource.endpoint sends (livekit-client 2.23); every key optional."""

    room_name: RoomName | None = None
    participant_identity: Name | None = None  # accepted but ignored: identity comes from auth
    participant_name: Name | None = None
    participant_metadata: Metadata | None = None
    participant_attributes: dict[Name, Metadata] | None = Field(default=None, max_length=32)
    room_config: RoomConfigIn | None = None

    @field_validator("participant_attributes")
    @classmethod
    def _no_reserved_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value and any(key.startswith("lk.") for key in value):
            raise ValueError("attribute keys starting with 'lk.' are reserved")
        return value


class TokenResponse(BaseModel):
    server_url: str
    participant_token: str
    room_name: str
    participant_identity: str


@router.post("/token")
def create_token(
    settings: SettingsDep,
    user: CurrentUser,
    response: Response,
    body: TokenRequest | None = None,
) -> TokenResponse:
    body = body or TokenRequest()
    agents = body.room_config.agents if body.room_config else []
    issued = issue_token(
        settings,
        ParticipantGrant(
            user=user,
            room_name=body.room_name,
            name=body.participant_name,
            metadata=body.participant_metadata,
            attributes=body.participant_attributes,
            # Only the configured agent is ever dispatched; the client may only pass metadata.
            agent_metadata=agents[0].metadata if agents else None,
        ),
    )
    response.headers["Cache-Control"] = "no-store"
    logger.info(
        "token issued",
        extra={"room": issued.room_name, "identity": issued.participant_identity},
    )
    return TokenResponse(
        server_url=issued.server_url,
        participant_token=issued.participant_token,
        room_name=issued.room_name,
        participant_identity=issued.participant_identity,
    )
