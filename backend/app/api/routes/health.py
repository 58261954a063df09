"""GET /api/health: liveness plus a quick LiveKit reachability probe."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import ServicesDep
from app.core.livekit import probe

router = APIRouter(tags=["health"])


class HealthResponse(BaseModel):
    status: Literal["ok"]
    livekit: Literal["ok", "unreachable"]


@router.get("/health")
async def health(services: ServicesDep) -> HealthResponse:
    reachable = await probe(services.settings.livekit_url, transport=services.livekit_transport)
    return HealthResponse(status="ok", livekit="ok" if reachable else "unreachable")
