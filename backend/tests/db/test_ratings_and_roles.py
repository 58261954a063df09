"""A user rates their own call (thumbs up or down, a comment), and operators: a role on users
(the users CLI sets it), the local user of the no-login mode, never an API key; on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.__main__ import main
from app.api.deps import OPERATOR_ONLY_DETAIL, OperatorAccount
from app.core.security import AuthUser
from app.core.services import services_of
from app.models import ConversationRating

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
PASSWORD = "correct horse battery"


def _conversation(client: TestClient, headers: Headers) -> str:
    response = client.post("/api/conversations", json={}, headers=headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["conversation"]["id"]
    return conversation_id


def _ratings_stored(client: TestClient) -> int:
    factory: sessionmaker[Session] = services_of(client.app).sessionmaker
    with factory() as session:
        return session.scalar(select(func.count()).select_from(ConversationRating)) or 0


def test_the_owner_rates_a_call_and_rates_it_again(api: TestClient, alice: Headers) -> None:
    conversation = _conversation(api, alice)
    url = f"/api/conversations/{conversation}/rating"

    first = api.put(url, json={"score": "up", "comment": "  Quick and clear.  "}, headers=alice)
    assert first.status_code == 200, first.text
    assert first.json()["score"] == "up" and first.json()["comment"] == "Quick and clear."

    again = api.put(url, json={"score": "down"}, headers=alice)
    assert (again.json()["score"], again.json()["comment"]) == ("down", "")
    detail = api.get(f"/api/conversations/{conversation}", headers=alice).json()
    assert detail["rating"]["score"] == "down"
    assert _ratings_stored(api) == 1  # replaced, not added


def test_a_rating_is_taken_back_and_goes_with_its_conversation(
    api: TestClient, alice: Headers
) -> None:
    kept, deleted = _conversation(api, alice), _conversation(api, alice)
    for conversation in (kept, deleted):
        url = f"/api/conversations/{conversation}/rating"
        assert api.put(url, json={"score": "up"}, headers=alice).status_code == 200

    url = f"/api/conversations/{kept}/rating"
    assert api.delete(url, headers=alice).status_code == 204
    gone = api.delete(url, headers=alice)
    assert (gone.status_code, gone.json()) == (404, {"detail": "this conversation has no rating"})
    assert api.get(f"/api/conversations/{kept}", headers=alice).json()["rating"] is None

    assert api.delete(f"/api/conversations/{deleted}", headers=alice).status_code == 204
    assert _ratings_stored(api) == 0


def test_another_users_call_cannot_be_rated(api: TestClient, alice: Headers, bob: Headers) -> None:
    conversation = _conversation(api, alice)
    for target in (conversation, str(uuid.uuid4())):
        response = api.put(f"/api/conversations/{target}/rating", json={"score": "up"}, headers=bob)
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "conversation not found"},
        )
    assert _ratings_stored(api) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"score": "sideways"},
        {"score": 1},
        {"score": "up", "comment": "x" * 1001},
        {"score": "up", "stars": 5},
    ],
)
def test_a_malformed_rating_is_422(api: TestClient, alice: Headers, body: dict[str, Any]) -> None:
    conversation = _conversation(api, alice)
    response = api.put(f"/api/conversations/{conversation}/rating", json=body, headers=alice)
    assert response.status_code == 422
    assert _ratings_stored(api) == 0


def _probe(client: TestClient) -> None:
    """An operator-only route on the running app, to try the dependency on every kind of
    caller."""

    def whoami(account: OperatorAccount) -> dict[str, str]:
        return {"id": account.id}

    client.app.add_api_route("/api/operator-probe", whoami)  # type: ignore[attr-defined]


def _add(db_url: str, monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    main(["users", "add", *argv])


def _login(client: TestClient, name: str) -> dict[str, Any]:
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()["user"]
    return user


def test_operators_are_users_given_the_role(
    make_client: ClientFactory,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = make_client(api_keys=())
    _probe(client)
    _add(db_url, monkeypatch, "olga", "--operator")
    _add(db_url, monkeypatch, "ursula")
    out = capsys.readouterr().out
    assert "added operator olga" in out and "added user ursula" in out

    assert _login(client, "ursula")["operator"] is False
    refused = client.get("/api/operator-probe")
    assert (refused.status_code, refused.json()) == (403, {"detail": OPERATOR_ONLY_DETAIL})

    main(["users", "role", "ursula", "operator"])
    assert capsys.readouterr().out.strip() == "ursula is now operator"
    assert client.get("/api/auth/session").json()["user"]["operator"] is True
    assert client.get("/api/operator-probe").json()["id"] == _login(client, "ursula")["id"]

    main(["users", "list"])
    roles = dict(line.split("\t")[::2] for line in capsys.readouterr().out.splitlines())
    assert roles == {"olga": "operator", "ursula": "operator"}
    main(["users", "role", "olga", "user"])
    _login(client, "olga")
    assert client.get("/api/operator-probe").status_code == 403


def test_the_local_user_is_an_operator_and_an_api_key_is_not(
    make_client: ClientFactory, alice: Headers
) -> None:
    local = make_client(api_keys=())
    _probe(local)
    assert local.get("/api/operator-probe").json() == {"id": "local"}

    keyed = make_client()
    _probe(keyed)
    assert keyed.get("/api/operator-probe", headers=alice).status_code == 403


def test_a_bad_role_is_a_usage_error(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(db_url, monkeypatch, "olga")
    with pytest.raises(SystemExit) as bad:
        main(["users", "role", "olga", "admin"])
    assert bad.value.code == 2  # argparse names the choices
    assert "invalid choice: 'admin'" in capsys.readouterr().err


def test_auth_user_is_not_an_operator_by_default() -> None:
    assert AuthUser(id="u", name="u").operator is False
