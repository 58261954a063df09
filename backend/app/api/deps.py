"""Shared route dependencies (settings and the authenticated user)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.core.config import Settings
from app.core.security import authenticate


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_current_user(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    host: Annotated[str | None, Header()] = None,
) -> str:
    return authenticate(settings, authorization=authorization, host_header=host)


CurrentUser = Annotated[str, Depends(get_current_user)]
