"""GET /api/options and POST /api/metrics/client-latency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
URL = "/api/metrics/client-latency"


def _samples(client: TestClient, name: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        if family.name == name
        for s in family.samples
    }


def test_options_list_the_catalog(api: TestClient, alice: Headers) -> None:
    response = api.get("/api/options", headers=alice)
    assert response.status_code == 200
    assert response.json() == {
        "personas": [
            {
                "id": "assistant",
                "name": "Friendly assistant",
                "description": "Warm, helpful answers for everyday questions.",
            },
            {"id": "concise", "name": "Concise", "description": "The shortest useful answer."},
            {
                "id": "tutor",
                "name": "Patient tutor",
                "description": "Explains step by step and checks understanding.",
            },
        ],
        "voices": [
            {"id": "default", "name": "Joe"},
            {"id": "slow", "name": "Joe (slower)"},
            {"id": "fast", "name": "Joe (faster)"},
        ],
        "languages": ["en", "de", "es", "fr"],
        "defaults": {"persona": "assistant", "voice": "default", "language": "en"},
        "recording_allowed": True,
    }
    # Instructions are for the agent (room metadata), not for the options list.
    assert "instructions" not in response.text


def test_options_need_a_user(api: TestClient) -> None:
    assert api.get("/api/options").status_code == 401


def test_every_listed_option_is_accepted(api: TestClient, alice: Headers) -> None:
    options = api.get("/api/options", headers=alice).json()
    for persona in options["personas"]:
        for voice in options["voices"]:
            body = {"persona": persona["id"], "voice": voice["id"], "language": "en"}
            response = api.post("/api/conversations", json=body, headers=alice)
            assert response.status_code == 201, body


def _room(client: TestClient, headers: Headers) -> str:
    response = client.post("/api/conversations", json={}, headers=headers)
    room: str = response.json()["conversation"]["room_name"]
    return room


def test_client_latency_feeds_the_histogram(api: TestClient, alice: Headers) -> None:
    room = _room(api, alice)
    for turn, e2e_ms in enumerate((180.0, 450.0, 2500.0)):
        body = {"room_name": room, "turn": turn, "e2e_ms": e2e_ms}
        response = api.post(URL, json=body, headers=alice)
        assert (response.status_code, response.content) == (204, b"")

    name = "va_backend_client_e2e_latency_seconds"
    samples = _samples(api, name)
    assert samples[(f"{name}_count", ())] == 3
    assert samples[(f"{name}_sum", ())] == pytest.approx(3.13)
    assert samples[(f"{name}_bucket", (("le", "0.2"),))] == 1
    assert samples[(f"{name}_bucket", (("le", "0.5"),))] == 2
    assert samples[(f"{name}_bucket", (("le", "3.0"),))] == 3


def test_client_latency_only_for_own_rooms(api: TestClient, alice: Headers, bob: Headers) -> None:
    room = _room(api, alice)
    for headers, room_name in ((bob, room), (alice, "va-unknown")):
        body = {"room_name": room_name, "turn": 0, "e2e_ms": 300}
        response = api.post(URL, json=body, headers=headers)
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "conversation not found"},
        )
    name = "va_backend_client_e2e_latency_seconds"
    assert _samples(api, name)[(f"{name}_count", ())] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"turn": -1, "e2e_ms": 10},
        {"turn": 0, "e2e_ms": -1},
        {"turn": 0, "e2e_ms": 60_001},
        {"turn": 0},
        {"turn": 0, "e2e_ms": 10, "extra": 1},
    ],
)
def test_client_latency_validates(api: TestClient, alice: Headers, body: dict[str, Any]) -> None:
    response = api.post(URL, json={"room_name": _room(api, alice), **body}, headers=alice)
    assert response.status_code == 422
