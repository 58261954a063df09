"""Backend test setup.

Every module declares one layer with a module-level marker:

    pytestmark = pytest.mark.unit  # hermetic: no network, no servers (SQLite in a temp dir)
    pytestmark = pytest.mark.db    # tests/db/: SQLite and a real PostgreSQL (and Redis) that
                                   # the fixtures start on loopback and stop at the end

Each test gets its own database, migrated from empty by Alembic: a copy of a SQLite file
migrated once per session, or (tests/db) the shared PostgreSQL database with its tables emptied.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from app.recordings.settings import RecordingSettings

API_KEY = "test-livekit-key"
API_SECRET = "test-livekit-secret-0123456789abcdef"
# Every variable the settings read, so the developer's shell cannot leak into a test.
ENV_VARS = tuple(
    alias for f in Settings.model_fields.values() if isinstance(alias := f.validation_alias, str)
)
LAYERS = ("unit", "db")
LOOPBACK_PEER = ("127.0.0.1", 50000)  # TestClient's peer address (its default is "testclient")
TESTS_DIR = Path(__file__).parent

SettingsFactory = Callable[..., Settings]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def sqlite_url_for(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated from empty once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "backend.db"
    migrate.upgrade(sqlite_url_for(path))
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "backend.db"
    shutil.copyfile(sqlite_template, path)
    return sqlite_url_for(path)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The database the app under test uses (tests/db/conftest.py adds PostgreSQL)."""
    return sqlite_url


@pytest.fixture
def make_settings(tmp_path: Path, db_url: str) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "livekit_api_key": API_KEY,
            "livekit_api_secret": API_SECRET,
            "web_dist": tmp_path / "no-dist",
            "database_url": db_url,
            # no agent worker reports to these apps; tests/db/test_agent_capacity.py turns
            # the check on
            "agent_capacity_check": False,
            "agent_redispatch_interval_seconds": 0,  # tests/db/test_redispatch.py runs it
            # many tests open many calls for one user; tests/db/test_calls_per_user.py sets it
            "max_calls_per_user": 1000,
            # recordings in the test's folder, never the repo's .data/recordings
            "recording": RecordingSettings(dir=tmp_path / "recordings"),
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # The no-login mode only answers loopback connections with loopback Host headers.
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=LOOPBACK_PEER) as c:
        yield c
