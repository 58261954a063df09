"""`uvicorn --factory app.asgi:app_from_env`: the app from the environment's settings, for
running several uvicorn workers (bench/backend). Migrate first (`python -m app` does).

It runs the same exposure check as `python -m app`; run uvicorn with `--no-proxy-headers`
unless a proxy is in front (uvicorn's default believes X-Forwarded-For from 127.0.0.1), and
with `--timeout-keep-alive 75` (`python -m app` takes BACKEND_KEEP_ALIVE_SECONDS)."""

from __future__ import annotations

from fastapi import FastAPI

from app import accounts
from app.core.config import ConfigError, load_settings
from app.core.security import check_exposure, needs_database_for_exposure
from app.main import create_app


def app_from_env() -> FastAPI:
    try:
        settings = load_settings()
        users = needs_database_for_exposure(settings) and accounts.any_user_at(settings)
        check_exposure(settings, has_users=users)
    except ConfigError as e:
        raise SystemExit(f"voice-backend: {e}") from None
    return create_app(settings)
