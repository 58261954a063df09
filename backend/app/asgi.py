"""`uvicorn --factory app.asgi:app_from_env`: the app from the environment's settings, for
running several uvicorn workers (bench/backend). Migrate first (`python -m app` does)."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.config import load_settings
from app.main import create_app


def app_from_env() -> FastAPI:
    return create_app(load_settings())
