"""Schemathesis over the OpenAPI schema against the real app (SQLite and PostgreSQL): no 5xx,
every status documented, every body as the schema says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks

from app.main import create_app

pytestmark = pytest.mark.db

ALICE_KEY = "alice-api-key-0123456789"
AGENT_TOKEN = "agent-service-token-" + "x" * 24
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def fuzz_app(make_settings: Callable[..., Any]) -> FastAPI:
    return create_app(
        make_settings(
            api_keys=(ALICE_KEY,),
            agent_service_token=AGENT_TOKEN,
            rate_limit_per_minute=100_000,
        )
    )


@pytest.fixture
def api_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_no_schema_violations(case: Any) -> None:
    token = AGENT_TOKEN if case.path.startswith("/api/agent/") else ALICE_KEY
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate(checks=CHECKS)
