"""The SQLite store the real backend creates is its user's alone: the folder 0700, the
database and its WAL files 0600, whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from live_backend import start_backend

pytestmark = pytest.mark.db


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_new_sqlite_store_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    previous = os.umask(0o022)  # the common default, inherited by the backend
    try:
        backend = start_backend(tmp_path, DATABASE_URL=f"sqlite:///{data / 'backend.db'}")
    finally:
        os.umask(previous)
    try:
        assert httpx.post(backend.url() + "/api/token", json={}).status_code == 200
        files = sorted(p.name for p in data.iterdir())
        assert files == ["backend.db", "backend.db-shm", "backend.db-wal"]
        assert mode(data) == 0o700
        assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        backend.stop()
