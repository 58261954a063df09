from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.__main__ import EXIT_CONFIG, EXIT_DATABASE, startup_settings
from app.core.config import ConfigError, Settings, is_loopback_host, load_settings
from app.core.security import check_exposure

pytestmark = pytest.mark.unit

BACKEND_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BACKEND_DIR.parent
GOOD_KEY = "a-long-enough-api-key"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.10", "example.com"])
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


def test_open_bind_without_keys_is_refused(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigError) as excinfo:
        check_exposure(make_settings(host="0.0.0.0"), has_users=False)
    message = str(excinfo.value)
    assert "\n" not in message
    assert "BACKEND_API_KEYS" in message and "127.0.0.1" in message
    assert "python -m app users add NAME" in message


def test_loopback_keys_or_users_may_start(make_settings: Callable[..., Settings]) -> None:
    check_exposure(make_settings(), has_users=False)
    check_exposure(make_settings(host="0.0.0.0", api_keys=(GOOD_KEY,)), has_users=False)
    check_exposure(make_settings(host="0.0.0.0"), has_users=True)


def test_startup_settings_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")
    monkeypatch.setenv("BACKEND_HOST", "0.0.0.0")
    monkeypatch.setenv("BACKEND_API_KEYS", f" {GOOD_KEY} ,, second-long-api-key ")
    monkeypatch.setenv("TOKEN_TTL_SECONDS", "120")
    settings = startup_settings()
    assert settings.api_keys == (GOOD_KEY, "second-long-api-key")
    assert settings.token_ttl_seconds == 120
    assert GOOD_KEY not in repr(settings) and "'s'" not in repr(settings)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")
    settings = load_settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.livekit_url == "ws://127.0.0.1:7880"
    assert settings.agent_name == "voice-assistant"
    assert settings.token_ttl_seconds == 600
    assert settings.api_keys == ()
    assert settings.max_body_bytes == 16384
    assert settings.web_dist == REPO_ROOT / "web" / "dist"


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("TOKEN_TTL_SECONDS", "601", "TOKEN_TTL_SECONDS"),
        ("TOKEN_TTL_SECONDS", "29", "TOKEN_TTL_SECONDS"),
        ("BACKEND_API_KEYS", "short", "BACKEND_API_KEYS"),
        ("LIVEKIT_URL", "127.0.0.1:7880", "LIVEKIT_URL"),
        ("BACKEND_PORT", "http", "BACKEND_PORT"),
    ],
)
def test_invalid_values_give_one_line(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert fragment in str(excinfo.value) and "\n" not in str(excinfo.value)
    if env == "BACKEND_API_KEYS":
        assert value not in str(excinfo.value)


def test_missing_livekit_credentials() -> None:
    with pytest.raises(ConfigError, match="LIVEKIT_API_KEY, LIVEKIT_API_SECRET"):
        load_settings()


def _run_entrypoint(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "LIVEKIT_"))}
    return subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=BACKEND_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_entrypoint_refuses_open_bind_without_keys_or_users(tmp_path: Path) -> None:
    result = _run_entrypoint(
        BACKEND_HOST="0.0.0.0",
        LIVEKIT_API_KEY="k",
        LIVEKIT_API_SECRET="s",
        DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}",
    )
    assert result.returncode == EXIT_CONFIG == 2
    lines = [line for line in result.stderr.strip().splitlines() if "INFO" not in line]
    assert len(lines) == 1
    assert "set BACKEND_API_KEYS or bind to 127.0.0.1" in lines[0]


def test_entrypoint_refuses_missing_livekit_credentials() -> None:
    result = _run_entrypoint()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "voice-backend: missing required setting(s): LIVEKIT_API_KEY, LIVEKIT_API_SECRET; "
        "set them in the environment"
    ]


def test_entrypoint_stops_when_the_database_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _run_entrypoint(
        LIVEKIT_API_KEY="k",
        LIVEKIT_API_SECRET="s",
        DATABASE_URL=f"postgresql://voice:hunter2@127.0.0.1:{port}/voice",
    )
    assert result.returncode == EXIT_DATABASE == 3
    line = result.stderr.strip().splitlines()[-1]  # after any log lines
    assert "Traceback" not in result.stderr
    assert line.startswith(
        f"voice-backend: cannot migrate the database at "
        f"postgresql+psycopg://voice:***@127.0.0.1:{port}/voice: "
    )
    assert "check DATABASE_URL" in line and "hunter2" not in result.stderr
