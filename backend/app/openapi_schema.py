"""`python -m app.openapi_schema`: the API's OpenAPI schema as JSON, the contract the web
client's types are generated from (`make api-client`; a test fails when they drift apart).

It leaves out what a served /openapi.json adds from the deployment's settings (the catalog's
ids as the only persona, voice and language, the configured message length and batch size):
the page reads the choices from GET /api/options at run time; they are not client types."""

from __future__ import annotations

import json

from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app


def schema_json() -> str:
    # placeholder keys: the schema does not depend on them, and nothing connects anywhere
    settings = Settings(livekit_api_key="schema", livekit_api_secret="schema")
    return json.dumps(FastAPI.openapi(create_app(settings)), indent=2) + "\n"


if __name__ == "__main__":
    print(schema_json(), end="")
