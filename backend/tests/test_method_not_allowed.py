"""A method a path does not take is answered 405 with `Allow` naming the methods it does take,
also with the web client mounted at / (as in production)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.services import services_of
from app.main import create_app

pytestmark = pytest.mark.unit

CONVERSATION = "/api/conversations/e3e70682-c209-1cac-a29f-6fbed82c07cd"


@pytest.fixture(params=["web client mounted", "no web client"])
def api(
    request: pytest.FixtureRequest, make_settings: Callable[..., Any], tmp_path: Path
) -> Iterator[TestClient]:
    dist = tmp_path / "dist"
    if request.param == "web client mounted":
        dist.mkdir()
        (dist / "index.html").write_text("<!doctype html><title>web</title>")
    with TestClient(
        create_app(make_settings(web_dist=dist)),
        base_url="http://127.0.0.1",
        client=("127.0.0.1", 50000),
    ) as c:
        yield c


def documented_methods(api: TestClient) -> dict[str, set[str]]:
    paths = api.get("/openapi.json").json()["paths"]
    return {path: {m.upper() for m in ops} for path, ops in paths.items()}


def test_every_documented_path_names_all_its_methods_in_allow(api: TestClient) -> None:
    for path, methods in documented_methods(api).items():
        concrete = path.replace("{conversation_id}", CONVERSATION.rsplit("/", 1)[1])
        concrete = concrete.replace("{", "").replace("}", "")  # any other parameter: its name
        response = api.request("OPTIONS", concrete)
        assert response.status_code == 405, path
        assert set(response.headers["Allow"].split(", ")) == methods, path


def test_a_method_the_path_does_not_take_is_405_not_404(api: TestClient) -> None:
    response = api.get("/api/auth/logout")  # POST only
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_an_api_404_stays_a_404(api: TestClient) -> None:
    response = api.get(CONVERSATION)
    assert response.status_code == 404
    assert response.json() == {"detail": "conversation not found"}
    assert "Allow" not in response.headers


def test_the_web_client_files_allow_get_and_head(api: TestClient) -> None:
    response = api.post("/index.html")
    if services_of(api.app).settings.web_dist.is_dir():
        assert (response.status_code, response.headers["Allow"]) == (405, "GET, HEAD")
    else:
        assert response.status_code == 404
