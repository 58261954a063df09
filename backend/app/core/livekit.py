"""LiveKit side of the backend: minting participant tokens, probing the server, and
deleting a room (which ends its call: everyone in it is disconnected)."""

from __future__ import annotations

import asyncio
import datetime
import secrets
from dataclasses import dataclass

import httpx
from livekit import api

from app.core.config import Settings

PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class ParticipantGrant:
    """What one token allows; built by the route from the caller and the request."""

    user: str
    room_name: str | None = None
    name: str | None = None
    metadata: str | None = None
    attributes: dict[str, str] | None = None
    agent_metadata: str | None = None
    room_metadata: str | None = None  # applied by LiveKit when this token creates the room


@dataclass(frozen=True, slots=True)
class IssuedToken:
    server_url: str
    participant_token: str
    room_name: str
    participant_identity: str


SERVER_ROOM_PREFIX = "va-"


def new_room_name() -> str:
    return f"{SERVER_ROOM_PREFIX}{secrets.token_hex(5)}"


def new_identity(user: str) -> str:
    return f"{user}-{secrets.token_hex(3)}"


def is_identity_of(identity: str, user: str) -> bool:
    """True for identities new_identity(user) makes: the user's id, a dash, 6 hex digits."""
    prefix, _, suffix = identity.rpartition("-")
    return prefix == user and len(suffix) == 6 and all(c in "0123456789abcdef" for c in suffix)


def issue_token(settings: Settings, grant: ParticipantGrant) -> IssuedToken:
    """A join-only token for one room that dispatches the configured agent into it."""
    room = grant.room_name or new_room_name()
    identity = new_identity(grant.user)
    token = (
        api.AccessToken(settings.livekit_api_key, settings.livekit_api_secret)
        .with_identity(identity)
        .with_name(grant.name or grant.user)
        .with_ttl(datetime.timedelta(seconds=settings.token_ttl_seconds))
        .with_grants(
            api.VideoGrants(
                room_join=True,
                room=room,
                can_publish=True,
                can_subscribe=True,
                can_publish_data=True,
                # Else a participant could grow its metadata and attributes (LiveKit allows
                # 512 KiB and 64 KiB) past what the webhooks that carry them may weigh.
                can_update_own_metadata=False,
            )
        )
        .with_room_config(
            api.RoomConfiguration(
                metadata=grant.room_metadata or "",
                # a user who leaves without hanging up may come back this long (rejoin);
                # then LiveKit closes the room (room_finished ends the conversation)
                departure_timeout=settings.rejoin_grace_seconds,
                agents=[
                    api.RoomAgentDispatch(
                        agent_name=settings.agent_name, metadata=grant.agent_metadata or ""
                    )
                ],
            )
        )
    )
    if grant.metadata:
        token = token.with_metadata(grant.metadata)
    if grant.attributes:
        token = token.with_attributes(grant.attributes)
    return IssuedToken(
        server_url=settings.livekit_url,
        participant_token=token.to_jwt(),
        room_name=room,
        participant_identity=identity,
    )


def delete_room(settings: Settings, room_name: str, *, timeout_s: float = 3.0) -> bool:
    """End the call in ``room_name`` through LiveKit's RoomService (Twirp over HTTP, so a
    sync route can call it). True when the room is gone (deleted now or never there);
    False when LiveKit could not be asked (logged by the caller)."""
    token = (
        api.AccessToken(settings.livekit_api_key, settings.livekit_api_secret)
        .with_grants(api.VideoGrants(room_create=True, room=room_name))
        .with_ttl(datetime.timedelta(seconds=60))
        .to_jwt()
    )
    try:
        with httpx.Client(timeout=timeout_s, trust_env=False) as client:
            response = client.post(
                http_url(settings.livekit_url) + "/twirp/livekit.RoomService/DeleteRoom",
                json={"room": room_name},
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError:
        return False
    return response.is_success or response.status_code == httpx.codes.NOT_FOUND


def http_url(livekit_url: str) -> str:
    """ws://host:7880 -> http://host:7880 (wss -> https); http(s) URLs pass through."""
    if livekit_url.startswith("ws://"):
        return "http://" + livekit_url.removeprefix("ws://")
    if livekit_url.startswith("wss://"):
        return "https://" + livekit_url.removeprefix("wss://")
    return livekit_url


async def probe(
    livekit_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> bool:
    """True if livekit-server answers 200 on GET / within timeout_s overall; never raises."""
    try:
        async with (
            asyncio.timeout(timeout_s),
            httpx.AsyncClient(transport=transport, timeout=timeout_s, trust_env=False) as client,
        ):
            response = await client.get(http_url(livekit_url) + "/")
    except (httpx.HTTPError, TimeoutError):
        return False
    return response.status_code == httpx.codes.OK
