"""Apply the Alembic migrations in backend/migrations (startup and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from app.core.db import make_engine

BACKEND_DIR = Path(__file__).resolve().parents[2]
ALEMBIC_INI = BACKEND_DIR / "alembic.ini"


def alembic_config(engine: Engine) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["engine"] = engine
    config.attributes["configure_logging"] = False  # leave the app's logging alone
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database up to `revision` (creating the SQLite file if needed)."""
    engine = make_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    engine = make_engine(database_url)
    try:
        command.downgrade(alembic_config(engine), revision)
    finally:
        engine.dispose()
