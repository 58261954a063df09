from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

pytestmark = pytest.mark.unit


def test_serves_built_web_client(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>voice</title>")
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="OK"))
    app = create_app(make_settings(web_dist=dist), livekit_transport=transport)

    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        index = client.get("/")
        asset = client.get("/assets/app.js")
        health = client.get("/api/health")
        token = client.post("/api/token", json={})

    assert index.status_code == 200 and "<title>voice</title>" in index.text
    assert asset.status_code == 200 and "console.log" in asset.text
    assert health.json() == {"status": "ok", "livekit": "ok"}
    assert token.status_code == 200


def test_missing_build_says_how_to_build(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "web client not built: run `make web`" in response.text
