"""Backend settings: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.core.catalog import DEFAULT_CATALOG, Catalog, load_catalog
from app.core.languages import SpeechProvider, offered, unserved
from app.recordings.settings import RecordingSettings

# backend/app/core/config.py -> repo root is three levels above this package directory.
REPO_ROOT = Path(__file__).resolve().parents[3]
_DEFAULT_WEB_DIST = REPO_ROOT / "web" / "dist"
_DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / '.data' / 'backend.db'}"
_MIN_API_KEY_LEN = 16
_MIN_SERVICE_TOKEN_LEN = 32
_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"}
_POSTGRES_DRIVERS |= {"postgresql+asyncpg", "postgresql+pg8000"}
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}


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
    database_url: str = Field(
        default=_DEFAULT_DATABASE_URL,
        repr=False,
        validation_alias="DATABASE_URL",
        description="sqlite:///path (relative paths are under the repo) or postgresql://...",
    )
    redis_url: str | None = Field(default=None, repr=False, validation_alias="REDIS_URL")
    agent_service_token: str | None = Field(
        default=None,
        min_length=_MIN_SERVICE_TOKEN_LEN,
        repr=False,
        validation_alias="AGENT_SERVICE_TOKEN",
        description="Bearer credential of the agent worker: it opens only worker-level routes "
        "(capacity reports); agent routes answer 503 without it.",
    )
    job_credential_secret: str | None = Field(
        default=None,
        min_length=_MIN_SERVICE_TOKEN_LEN,
        repr=False,
        validation_alias="BACKEND_JOB_CREDENTIAL_SECRET",
        description="Signs the per-job credentials (the backend's alone, never the agent's); "
        "required with AGENT_SERVICE_TOKEN.",
    )
    rate_limit_per_minute: int = Field(
        default=120, ge=1, le=100_000, validation_alias="BACKEND_RATE_LIMIT_PER_MINUTE"
    )
    max_file_bytes: int = Field(
        default=10_000_000,
        ge=1024,
        le=100_000_000,
        validation_alias="BACKEND_MAX_FILE_BYTES",
        description="The largest image kept with a conversation (413 over it).",
    )
    max_message_chars: int = Field(
        default=4000, ge=1, le=100_000, validation_alias="BACKEND_MAX_MESSAGE_CHARS"
    )
    max_conversations_per_user: int = Field(
        default=1000, ge=1, le=1_000_000, validation_alias="BACKEND_MAX_CONVERSATIONS_PER_USER"
    )
    agent_job_credential_ttl_seconds: int = Field(
        default=86400,
        ge=600,
        le=7 * 86400,
        validation_alias="BACKEND_AGENT_JOB_CREDENTIAL_TTL_SECONDS",
        description="How long a job's credential (one conversation) stays valid.",
    )
    agent_job_credential_write_grace_seconds: int = Field(
        default=7 * 86400,
        ge=0,
        le=30 * 86400,
        validation_alias="BACKEND_AGENT_JOB_CREDENTIAL_WRITE_GRACE_SECONDS",
        description="How long past its expiry a job's credential still writes its own "
        "conversation's messages and events (the worker's journal replay after an outage; "
        "match AGENT_JOURNAL__MAX_AGE_H).",
    )
    max_calls_per_user: int = Field(
        default=2,
        ge=1,
        le=1000,
        validation_alias="BACKEND_MAX_CALLS_PER_USER",
        description="Calls one user may hold at once; one more answers 429.",
    )
    require_login: bool = Field(
        default=False,
        validation_alias="BACKEND_REQUIRE_LOGIN",
        description="Ask for a sign-in (or an API key) even on loopback with no users.",
    )
    session_ttl_seconds: int = Field(
        default=7 * 86400, ge=300, le=90 * 86400, validation_alias="BACKEND_SESSION_TTL_SECONDS"
    )
    login_rate_limit_per_minute: int = Field(
        default=10, ge=1, le=10_000, validation_alias="BACKEND_LOGIN_RATE_LIMIT_PER_MINUTE"
    )
    min_password_chars: int = Field(
        default=8, ge=1, le=1024, validation_alias="BACKEND_MIN_PASSWORD_CHARS"
    )
    speech_providers: Annotated[tuple[SpeechProvider, ...], NoDecode] = Field(
        default=("local",),
        min_length=1,
        validation_alias="BACKEND_SPEECH_PROVIDERS",
        description="The providers of the agent's STT and TTS, fallbacks included (comma "
        "separated: local, openai, azure). The built-in catalog offers the languages all of "
        "them serve; a catalog file may list no other (docs/languages.md).",
    )
    catalog: Annotated[Catalog, NoDecode] = Field(
        default=DEFAULT_CATALOG,
        validation_alias="BACKEND_CATALOG_FILE",
        description="Path of a JSON file with personas, voices and languages.",
    )
    metrics_enabled: bool = Field(default=True, validation_alias="BACKEND_METRICS_ENABLED")
    log_format: Literal["json", "text"] = Field(
        default="json",
        validation_alias="BACKEND_LOG_FORMAT",
        description="json: one object per line with request id and room; text: plain lines.",
    )
    active_session_max_age_seconds: int = Field(
        default=4 * 3600,
        ge=60,
        le=7 * 86400,
        validation_alias="BACKEND_ACTIVE_SESSION_MAX_AGE_SECONDS",
        description="A registered session with no room_finished after this long is dropped.",
    )
    agent_capacity_check: bool = Field(
        default=True,
        validation_alias="BACKEND_AGENT_CAPACITY_CHECK",
        description="Answer POST /api/token with 503 when no agent worker can take a new call.",
    )
    agent_report_ttl_seconds: float = Field(
        default=10.0,
        ge=1.0,
        le=300.0,
        validation_alias="BACKEND_AGENT_REPORT_TTL_SECONDS",
        description="A worker that has not reported for this long counts as gone (an agent "
        "of ours listed this long in a room no worker reports is removed as a dead one's).",
    )
    agent_join_timeout_seconds: float = Field(
        default=15.0,
        ge=1.0,
        le=300.0,
        validation_alias="BACKEND_AGENT_JOIN_TIMEOUT_SECONDS",
        description="A new room holds one call this long, or until a worker reports it.",
    )
    agent_redispatch_interval_seconds: float = Field(
        default=2.0,
        ge=0.0,
        le=60.0,
        validation_alias="BACKEND_AGENT_REDISPATCH_INTERVAL_SECONDS",
        description="How often to look for calls whose agent vanished (0: never).",
    )
    agent_redispatch_grace_seconds: float = Field(
        default=8.0,
        ge=1.0,
        le=300.0,
        validation_alias="BACKEND_AGENT_REDISPATCH_GRACE_SECONDS",
        description="A room no worker has reported for this long gets its agent again.",
    )
    rejoin_grace_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        validation_alias="BACKEND_REJOIN_GRACE_SECONDS",
        description="A call whose user left without hanging up (a page reload, a network "
        "drop) keeps its room and agent this long for them to rejoin (the room's LiveKit "
        "departure timeout); then it ends.",
    )
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        le=3600,
        validation_alias="BACKEND_KEEP_ALIVE_SECONDS",
        description="How long an idle HTTP connection stays open. Longer than the idle "
        "timeout of any client or proxy that reuses connections (Node's agent and nginx's "
        "upstream pool: 5 s and 60 s): closing first races their next request into a reset.",
    )
    busy_retry_after_seconds: int = Field(
        default=5, ge=1, le=600, validation_alias="BACKEND_BUSY_RETRY_AFTER_SECONDS"
    )
    # the longest date range (in UTC days) one analytics request may ask for
    analytics_max_days: int = Field(
        default=366, ge=1, le=3660, validation_alias="BACKEND_ANALYTICS_MAX_DAYS"
    )
    max_batch_messages: int = Field(
        default=1000, ge=1, le=10_000, validation_alias="BACKEND_MAX_BATCH_MESSAGES"
    )
    max_batch_body_bytes: int = Field(
        default=2_097_152,
        ge=1024,
        le=64 * 1_048_576,
        validation_alias="BACKEND_MAX_BATCH_BODY_BYTES",
    )

    max_webhook_body_bytes: int = Field(
        default=131_072,
        ge=16_384,
        le=1_048_576,
        validation_alias="BACKEND_MAX_WEBHOOK_BODY_BYTES",
        description="LiveKit webhooks carry the room's and the participant's metadata.",
    )
    trusted_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        validation_alias="BACKEND_TRUSTED_ORIGINS",
        description="Other origins (scheme://host[:port]) allowed to send state-changing requests.",
    )
    forwarded_allow_ips: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        validation_alias="BACKEND_FORWARDED_ALLOW_IPS",
        description="Proxies whose X-Forwarded-For/-Proto are believed; none = no proxy headers.",
    )
    max_concurrent_password_checks: int = Field(
        default=2, ge=1, le=64, validation_alias="BACKEND_MAX_CONCURRENT_PASSWORD_CHECKS"
    )
    recording: RecordingSettings = Field(default_factory=RecordingSettings)

    @field_validator("livekit_url")
    @classmethod
    def _check_livekit_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"ws", "wss", "http", "https"} or not parts.hostname:
            raise ValueError("must be a ws://, wss://, http:// or https:// URL with a host")
        return value.rstrip("/")

    @field_validator(
        "api_keys", "trusted_origins", "forwarded_allow_ips", "speech_providers", mode="before"
    )
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_api_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(key) < _MIN_API_KEY_LEN for key in value):
            raise ValueError(f"each key must be at least {_MIN_API_KEY_LEN} characters")
        return value

    @field_validator("trusted_origins")
    @classmethod
    def _check_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path.strip("/"):
                raise ValueError(f"{origin!r} is not an origin like https://example.com")
        return tuple(origin.rstrip("/") for origin in value)

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                raise ValueError(f"{address!r} is not an IP address or network") from None
        return value

    @field_validator("catalog", mode="before")
    @classmethod
    def _read_catalog_file(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return DEFAULT_CATALOG
        if isinstance(value, str | Path):
            return load_catalog(Path(value))
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("redis_url", "agent_service_token", "job_credential_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("catalog")
    @classmethod
    def _languages_the_agent_serves(cls, value: Catalog, info: ValidationInfo) -> Catalog:
        providers = info.data.get("speech_providers")
        if providers is None:  # invalid itself: reported on its own
            return value
        if value is DEFAULT_CATALOG:
            return value.with_languages(offered(providers))
        if missing := unserved(value.languages, providers):
            raise ValueError(
                f"languages that BACKEND_SPEECH_PROVIDERS ({', '.join(providers)}) do not "
                f"serve: {', '.join(missing)}"
            )
        return value

    @model_validator(mode="after")
    def _service_token_is_not_a_user_key(self) -> Settings:
        if self.agent_service_token and self.agent_service_token in self.api_keys:
            raise ValueError("AGENT_SERVICE_TOKEN must differ from every BACKEND_API_KEYS entry")
        return self

    @model_validator(mode="after")
    def _job_credentials_have_their_own_secret(self) -> Settings:
        if not self.agent_service_token:
            return self
        if not self.job_credential_secret:
            raise ValueError(
                "BACKEND_JOB_CREDENTIAL_SECRET (32+ characters) must be set with "
                "AGENT_SERVICE_TOKEN: it signs the agent jobs' credentials"
            )
        secret = self.job_credential_secret
        if secret == self.agent_service_token or secret in self.api_keys:
            raise ValueError(
                "BACKEND_JOB_CREDENTIAL_SECRET must differ from AGENT_SERVICE_TOKEN and every "
                "BACKEND_API_KEYS entry"
            )
        return self

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


def normalise_database_url(value: str) -> str:
    """One driver per engine: psycopg 3 for PostgreSQL, pysqlite with an absolute file path."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError("must be a sqlite:/// or postgresql:// URL") from None
    if url.drivername in _POSTGRES_DRIVERS:
        return _render(url.set(drivername="postgresql+psycopg"))
    if url.drivername in _SQLITE_DRIVERS:
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise ValueError("SQLite needs a file path, e.g. sqlite:///.data/backend.db")
        path = Path(url.database).expanduser()
        if not path.is_absolute():
            path = REPO_ROOT / path  # relative to the repo, not to the working directory
        return _render(url.set(drivername="sqlite+pysqlite", database=str(path)))
    raise ValueError("must be a sqlite:/// or postgresql:// URL")


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    return alias if isinstance(alias, str) else field


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment; raise ConfigError with a one-line message."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        missing = [
            _env_name(str(err["loc"][0]))
            for err in e.errors()
            if err["type"] == "missing" and len(err["loc"]) == 1
        ]
        if missing:
            raise ConfigError(
                f"missing required setting(s): {', '.join(missing)}; set them in the environment"
            ) from None
        err = e.errors()[0]
        field = _env_name(str(err["loc"][0])) if err["loc"] else "settings"
        if len(err["loc"]) > 1:  # inside a structured setting (the catalog file)
            field += " at " + ".".join(str(part) for part in err["loc"][1:])
        raise ConfigError(f"invalid {field}: {err['msg']}") from None
