"""Database engine (sync SQLAlchemy 2; FastAPI runs the routes in its threadpool)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_S = 15.0


def make_engine(database_url: str) -> Engine:
    """An engine for a normalised URL (see config.normalise_database_url)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    assert url.database  # the settings validator guarantees a file path
    _create_private(Path(url.database))
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_private(path: Path) -> None:
    """A new database file is the user's alone (0600, in a new 0700 folder); SQLite gives its
    -wal and -shm files the database file's mode."""
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite (ON DELETE CASCADE needs them); WAL lets
    # readers run beside the one writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def redacted(database_url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    return make_url(database_url).render_as_string(hide_password=True)
