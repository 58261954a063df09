from __future__ import annotations

import pytest

from app.core.config import ConfigError, load_settings
from app.core.passwords import hash_password, verify_password
from app.core.security import hash_session_token, new_session_token

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _livekit_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")


def test_passwords_are_argon2id_and_salted() -> None:
    first, second = hash_password("hunter2 hunter2"), hash_password("hunter2 hunter2")
    assert first.startswith("$argon2id$") and first != second
    assert "hunter2" not in first
    assert verify_password(first, "hunter2 hunter2")
    assert not verify_password(first, "hunter3 hunter3")
    assert not verify_password("not a hash", "hunter2 hunter2")


def test_an_unknown_user_never_verifies() -> None:
    assert not verify_password(None, "not a password of anyone")  # the dummy hash's own text
    assert not verify_password(None, "")


def test_session_tokens_are_random_and_stored_hashed() -> None:
    token = new_session_token()
    assert len(token) >= 43 and token != new_session_token()
    digest = hash_session_token(token)
    assert digest == hash_session_token(token) and len(digest) == 64 and token not in digest


def test_sign_in_settings_defaults() -> None:
    settings = load_settings()
    assert settings.require_login is False
    assert settings.session_ttl_seconds == 7 * 86400
    assert settings.login_rate_limit_per_minute == 10
    assert settings.min_password_chars == 8
    assert settings.metrics_enabled is True
    assert settings.max_batch_messages == 1000


def test_sign_in_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_REQUIRE_LOGIN", "true")
    monkeypatch.setenv("BACKEND_SESSION_TTL_SECONDS", "3600")
    monkeypatch.setenv("BACKEND_METRICS_ENABLED", "false")
    settings = load_settings()
    assert settings.require_login and settings.session_ttl_seconds == 3600
    assert not settings.metrics_enabled


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("BACKEND_SESSION_TTL_SECONDS", "10"),
        ("BACKEND_LOGIN_RATE_LIMIT_PER_MINUTE", "0"),
        ("BACKEND_REQUIRE_LOGIN", "maybe"),
        ("BACKEND_MAX_BATCH_MESSAGES", "100000"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, env: str, value: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert str(excinfo.value).startswith(f"invalid {env}:")
