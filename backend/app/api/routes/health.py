"""GET /api/health: liveness plus a quick LiveKit reachability probe."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.api.deps import SettingsDep
from app.core.livekit import probe

router = APIRouter(tags=["health"])


class HealthResponse(BaseModel):
    status: Literal["ok"]
    livekit: Literal["ok", "unreachable"]


@router.get("/health")
async def health(settings: SettingsDep, request: Request) -> HealthResponse:
    reachable = await probe(settings.livekit_url, transport=request.app.state.livekit_transport)
    return HealthResponse(status="ok", livekit="ok" if reachable else "unreachable")
