"""`python -m app.openapi_schema`: the API's OpenAPI schema as JSON, the contract the web
client's types are generated from (`make api-client`; a test fails when they drift apart)."""

from __future__ import annotations

import json

from app.core.config import Settings
from app.main import create_app


def schema_json() -> str:
    # placeholder keys: the schema does not depend on them, and nothing connects anywhere
    settings = Settings(livekit_api_key="schema", livekit_api_secret="schema")
    return json.dumps(create_app(settings).openapi(), indent=2) + "\n"


if __name__ == "__main__":
    print(schema_json(), end="")
