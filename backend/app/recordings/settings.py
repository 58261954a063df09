"""Call recording settings (``BACKEND_RECORDING_*``), one group of the backend's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEFAULT_DIR = Path(__file__).resolve().parents[3] / ".data" / "recordings"


class RecordingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKEND_RECORDING_", extra="ignore", frozen=True)

    allowed: bool = Field(
        default=True,
        description="Whether a user may turn recording on for a conversation (it is off "
        "unless they do).",
    )
    dir: Path = Field(
        default=_DEFAULT_DIR,
        description="The folder recordings are kept in when no S3 bucket is set.",
    )
    retention_days: float = Field(
        default=0, ge=0, description="Recordings older than this are deleted; 0 keeps them."
    )
    sweep_interval_seconds: float = Field(
        default=3600, gt=0, description="How often the retention sweep runs."
    )
    max_bytes: int = Field(
        default=256 * 1_048_576, ge=1024, description="The largest one recording may grow."
    )
    max_chunk_bytes: int = Field(
        default=1_048_576, ge=1024, le=16 * 1_048_576, description="The largest one upload."
    )
    s3_bucket: str | None = Field(default=None, description="Store in this bucket instead.")
    s3_endpoint_url: str | None = Field(default=None, description="An S3-compatible server.")
    s3_region: str | None = None
    s3_access_key_id: str | None = Field(default=None, repr=False)
    s3_secret_access_key: str | None = Field(default=None, repr=False)
    s3_prefix: str = Field(default="recordings/", description="Key prefix in the bucket.")

    @field_validator(
        "s3_bucket",
        "s3_endpoint_url",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def chunk_body_bytes(self) -> int:
        """The largest upload request: the chunk in base64 inside a small JSON body."""
        return (self.max_chunk_bytes + 2) // 3 * 4 + 1024
