"""Backend settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# backend/app/core/config.py -> repo root is three levels above this package directory.
_DEFAULT_WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
_MIN_API_KEY_LEN = 16


class ConfigError(Exception):
    """A startup problem, described in one line that names the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)
    # Each field reads the env var named by its alias; the field name works in Settings(...).

    host: str = Field(default="127.0.0.1", validation_alias="BACKEND_HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="BACKEND_PORT")
    livekit_url: str = Field(
        default="ws://127.0.0.1:7880",
        validation_alias="LIVEKIT_URL",
        description="LiveKit URL handed to browsers.",
    )
    livekit_api_key: str = Field(min_length=1, validation_alias="LIVEKIT_API_KEY")
    livekit_api_secret: str = Field(min_length=1, repr=False, validation_alias="LIVEKIT_API_SECRET")
    agent_name: str = Field(
        default="voice-assistant",
        pattern=r"^[A-Za-z0-9_.-]{1,128}$",
        validation_alias="AGENT_NAME",
    )
    token_ttl_seconds: int = Field(default=600, ge=30, le=600, validation_alias="TOKEN_TTL_SECONDS")
    api_keys: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), repr=False, validation_alias="BACKEND_API_KEYS"
    )
    web_dist: Path = Field(default=_DEFAULT_WEB_DIST, validation_alias="WEB_DIST")
    max_body_bytes: int = Field(
        default=16384, ge=1024, le=1_048_576, validation_alias="BACKEND_MAX_BODY_BYTES"
    )

    @field_validator("livekit_url")
    @classmethod
    def _check_livekit_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"ws", "wss", "http", "https"} or not parts.hostname:
            raise ValueError("must be a ws://, wss://, http:// or https:// URL with a host")
        return value.rstrip("/")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_api_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(key) < _MIN_API_KEY_LEN for key in value):
            raise ValueError(f"each key must be at least {_MIN_API_KEY_LEN} characters")
        return value

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (brackets allowed)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; raise ConfigError with a one-line message."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        missing = [_env_name(str(err["loc"][0])) for err in e.errors() if err["type"] == "missing"]
        if missing:
            raise ConfigError(
                f"missing required setting(s): {', '.join(missing)}; set them in the environment"
            ) from None
        err = e.errors()[0]
        field = _env_name(str(err["loc"][0])) if err["loc"] else "settings"
        raise ConfigError(f"invalid {field}: {err['msg']}") from None
