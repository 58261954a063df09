from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.config import ConfigError, load_settings

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "t" * 32
JOB_SECRET = "j" * 32


@pytest.fixture(autouse=True)
def _livekit_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite+pysqlite:///{REPO_ROOT / '.data' / 'backend.db'}"
    assert settings.redis_url is None and settings.agent_service_token is None
    assert settings.rate_limit_per_minute == 120
    assert settings.max_message_chars == 4000
    assert settings.max_conversations_per_user == 1000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgres://u:p@db:5432/voice", "postgresql+psycopg://u:p@db:5432/voice"),
        ("postgresql://u@db/voice", "postgresql+psycopg://u@db/voice"),
        ("postgresql+asyncpg://u@db/voice", "postgresql+psycopg://u@db/voice"),
        ("postgresql+psycopg://u@db/voice?sslmode=require", None),
        ("sqlite:////var/lib/voice/b.db", "sqlite+pysqlite:////var/lib/voice/b.db"),
        ("sqlite+aiosqlite:///.data/x.db", f"sqlite+pysqlite:///{REPO_ROOT / '.data/x.db'}"),
    ],
)
def test_database_url_is_normalised(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str | None
) -> None:
    monkeypatch.setenv("DATABASE_URL", value)
    assert load_settings().database_url == (expected or value)


@pytest.mark.parametrize(
    "value",
    ["mysql://u:hunter2@db/voice", "sqlite://", "sqlite:///:memory:", "not a url", "redis://x"],
)
def test_unsupported_database_url_is_one_line_without_secrets(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert message.startswith("invalid DATABASE_URL") and "\n" not in message
    assert "hunter2" not in message


def test_database_url_is_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db/voice")
    assert "hunter2" not in repr(load_settings())


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("REDIS_URL", "http://cache:6379", "REDIS_URL"),
        ("AGENT_SERVICE_TOKEN", "short", "AGENT_SERVICE_TOKEN"),
        ("BACKEND_RATE_LIMIT_PER_MINUTE", "0", "BACKEND_RATE_LIMIT_PER_MINUTE"),
        ("BACKEND_MAX_MESSAGE_CHARS", "0", "BACKEND_MAX_MESSAGE_CHARS"),
        ("BACKEND_MAX_CONVERSATIONS_PER_USER", "-1", "BACKEND_MAX_CONVERSATIONS_PER_USER"),
        ("BACKEND_TRUSTED_ORIGINS", "evil.example", "BACKEND_TRUSTED_ORIGINS"),
        ("BACKEND_TRUSTED_ORIGINS", "https://a.example/path", "BACKEND_TRUSTED_ORIGINS"),
        ("BACKEND_FORWARDED_ALLOW_IPS", "proxy.local", "BACKEND_FORWARDED_ALLOW_IPS"),
        ("BACKEND_MAX_CONCURRENT_PASSWORD_CHECKS", "0", "BACKEND_MAX_CONCURRENT_PASSWORD_CHECKS"),
        ("BACKEND_MAX_WEBHOOK_BODY_BYTES", "1000", "BACKEND_MAX_WEBHOOK_BODY_BYTES"),
    ],
)
def test_invalid_limits_and_services(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=fragment):
        load_settings()


def test_services_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("BACKEND_JOB_CREDENTIAL_SECRET", JOB_SECRET)
    settings = load_settings()
    assert (settings.redis_url, settings.agent_service_token) == ("redis://cache:6379/1", TOKEN)
    assert settings.job_credential_secret == JOB_SECRET
    assert TOKEN not in repr(settings) and JOB_SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "BACKEND_JOB_CREDENTIAL_SECRET (32+ characters) must be set"),
        ("short", "BACKEND_JOB_CREDENTIAL_SECRET"),
        (TOKEN, "must differ from AGENT_SERVICE_TOKEN"),
    ],
)
def test_agent_routes_need_their_own_job_credential_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, message: str
) -> None:
    """The job credentials are signed with a secret only the backend has, never with (or
    instead of) the worker's service token."""
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", TOKEN)
    if secret is not None:
        monkeypatch.setenv("BACKEND_JOB_CREDENTIAL_SECRET", secret)
    with pytest.raises(ConfigError, match=re.escape(message)) as excinfo:
        load_settings()
    assert TOKEN not in str(excinfo.value) and "\n" not in str(excinfo.value)


def test_exposure_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_TRUSTED_ORIGINS", "https://app.example/, http://127.0.0.1:5173")
    monkeypatch.setenv("BACKEND_FORWARDED_ALLOW_IPS", "10.0.0.5, 192.168.0.0/16")
    settings = load_settings()
    assert settings.trusted_origins == ("https://app.example", "http://127.0.0.1:5173")
    assert settings.forwarded_allow_ips == ("10.0.0.5", "192.168.0.0/16")
    assert settings.max_concurrent_password_checks == 2


def test_empty_service_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", " ")
    settings = load_settings()
    assert settings.redis_url is None and settings.agent_service_token is None


def test_service_token_cannot_double_as_a_user_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("BACKEND_JOB_CREDENTIAL_SECRET", JOB_SECRET)
    monkeypatch.setenv("BACKEND_API_KEYS", f"another-user-key-1234,{TOKEN}")
    with pytest.raises(ConfigError, match="must differ") as excinfo:
        load_settings()
    assert TOKEN not in str(excinfo.value)
