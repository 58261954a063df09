"""GET /api/sessions/active: the caller's sessions in the active-session registry."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from app.api.deps import USER_ERRORS, CurrentUser, SessionRegistryDep
from app.core.session_registry import SessionRegistryUnavailable
from app.log import logger

router = APIRouter(prefix="/sessions", tags=["sessions"], responses=USER_ERRORS)

REGISTRY_DOWN_DETAIL = "session registry unavailable"


class ActiveSessionOut(BaseModel):
    room_name: str
    started_at: dt.datetime


class ActiveSessions(BaseModel):
    items: list[ActiveSessionOut]


@router.get("/active", responses={503: {"description": REGISTRY_DOWN_DETAIL}})
def list_active_sessions(user: CurrentUser, registry: SessionRegistryDep) -> ActiveSessions:
    """Rooms of the caller's that have started and not finished, oldest first."""
    try:
        sessions = registry.for_user(user)
    except SessionRegistryUnavailable:
        logger.warning("session registry unavailable", exc_info=True)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, REGISTRY_DOWN_DETAIL) from None
    return ActiveSessions(
        items=[ActiveSessionOut(room_name=s.room_name, started_at=s.started_at) for s in sessions]
    )
