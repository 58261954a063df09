from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

API_KEY = "test-livekit-key"
API_SECRET = "test-livekit-secret-0123456789abcdef"
ENV_VARS = (
    "BACKEND_HOST",
    "BACKEND_PORT",
    "LIVEKIT_URL",
    "LIVEKIT_API_KEY",
    "LIVEKIT_API_SECRET",
    "AGENT_NAME",
    "TOKEN_TTL_SECONDS",
    "BACKEND_API_KEYS",
    "WEB_DIST",
    "BACKEND_MAX_BODY_BYTES",
)

SettingsFactory = Callable[..., Settings]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The developer's shell must not leak into the settings under test.
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "livekit_api_key": API_KEY,
            "livekit_api_secret": API_SECRET,
            "web_dist": tmp_path / "no-dist",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # The no-login mode only answers loopback Host headers, so no "testserver" default.
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        yield c
