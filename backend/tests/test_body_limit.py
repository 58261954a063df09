from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.unit

TOO_LARGE = {"detail": "request body too large"}


def test_content_length_over_limit_is_413(client: TestClient) -> None:
    payload = {"participant_metadata": "x" * 20_000}
    response = client.post("/api/token", json=payload)
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_chunked_body_over_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"participant_metadata": "'
        for _ in range(20):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/api/token", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_chunked_body_under_limit_is_replayed(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"room_name": '
        yield b'"chunked-room"}'

    response = client.post(
        "/api/token", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["room_name"] == "chunked-room"
