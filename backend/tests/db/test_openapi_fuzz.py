"""Schemathesis over the served OpenAPI schema against the real app (SQLite and PostgreSQL),
with every check it has: no 5xx; every status, header, content type and body as documented;
every request the schema allows is accepted and every one it forbids is refused; 405 answers
name the allowed methods. The web client is mounted as in production, at /."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from job_credentials import JOB_SECRET
from schemathesis.config import SchemathesisConfig

from app.core import job_credential
from app.core.config import Settings
from app.core.job_credential import JobScope
from app.main import create_app

pytestmark = pytest.mark.db

ALICE_KEY = "alice-api-key-0123456789"
AGENT_TOKEN = "agent-service-token-" + "x" * 24
# schemathesis' own expectations, plus 413: a body over BACKEND_MAX_BODY_BYTES is refused
# before it is read, and a size in bytes (escapes, UTF-8) is more than a JSON Schema can say.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "413", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            "negative_data_rejection": {
                "expected-statuses": [
                    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422"),
                    *("428", "429"),
                ]
            },
        },
        # An analytics range is refused (422) when 'from' is after 'to' or it is longer than
        # BACKEND_ANALYTICS_MAX_DAYS: one date against the other, which no schema can say.
        "operations": [
            {
                "include-path-regex": "^/api/analytics",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
        ],
    }
)


@pytest.fixture
def fuzz_app(make_settings: Callable[..., Any], tmp_path: Path) -> FastAPI:
    web_dist = tmp_path / "web-dist"
    web_dist.mkdir()
    (web_dist / "index.html").write_text("<!doctype html><title>web</title>")
    return create_app(
        make_settings(
            api_keys=(ALICE_KEY,),
            agent_service_token=AGENT_TOKEN,
            job_credential_secret=JOB_SECRET,
            rate_limit_per_minute=100_000,
            web_dist=web_dist,
        )
    )


@pytest.fixture
def api_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_does_what_its_schema_says(case: Any) -> None:
    if case.path.startswith("/api/agent/workers/"):
        token = AGENT_TOKEN
    elif case.path.startswith("/api/agent/"):
        token = _job_credential(case.path_parameters or {})
    else:
        token = ALICE_KEY
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    case.call_and_validate()  # every check schemathesis has


def _job_credential(path: dict[str, Any]) -> str:
    """A job's credential for the room and user the case names, so that a case gets past the
    scope check to what the route does with its input."""
    minting = Settings(
        livekit_api_key="k",
        livekit_api_secret="s",
        agent_service_token=AGENT_TOKEN,
        job_credential_secret=JOB_SECRET,
    )
    room, user = str(path.get("room_name", "va-none")), str(path.get("user_id", "nobody"))
    token = job_credential.mint(minting, JobScope("none", room, user))
    assert token is not None
    return token
