"""The web client's API types are generated from this exact schema (`make api-client`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.openapi_schema import schema_json

pytestmark = pytest.mark.unit

WEB_SCHEMA = Path(__file__).resolve().parents[2] / "web" / "src" / "api" / "openapi.json"


def test_the_web_client_was_generated_from_the_current_schema() -> None:
    assert WEB_SCHEMA.read_text() == schema_json(), (
        "the backend's OpenAPI schema changed: run `make api-client` and commit "
        "web/src/api/openapi.json and schema.d.ts"
    )
