"""Sign-in: the local no-login mode, users and their cookie sessions, API keys beside them,
the users CLI and the login rate limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from livekit import api as lk
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import accounts
from app.__main__ import EXIT_USAGE, main
from app.api.routes import auth as auth_routes
from app.core.config import Settings
from app.core.passwords import hash_password
from app.core.rate_limit import InProcessRateLimiter
from app.core.security import hash_session_token, new_session_token
from app.core.services import services_of
from app.main import create_app
from app.models import AuthSession, User, utcnow

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
PASSWORD = "correct horse battery"
NOT_SIGNED_IN = {"detail": "not signed in or invalid API key"}
INVALID_LOGIN = {"detail": "invalid username or password"}
SECRET = "test-livekit-secret-0123456789abcdef"


def add_user(client: TestClient, name: str, password: str = PASSWORD) -> User:
    factory: sessionmaker[Session] = services_of(client.app).sessionmaker
    with factory() as session:
        user = accounts.create_user(session, name=name, password_hash=hash_password(password))
        session.commit()
        return user


def sessions_in_db(client: TestClient) -> int:
    factory: sessionmaker[Session] = services_of(client.app).sessionmaker
    with factory() as session:
        return session.scalar(select(func.count()).select_from(AuthSession)) or 0


def login(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, object]:
    response = client.post("/api/auth/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.fixture
def local(make_client: ClientFactory) -> TestClient:
    """Loopback, no API keys: the local mode until a user exists."""
    return make_client(api_keys=())


def test_local_mode_needs_no_sign_in(local: TestClient) -> None:
    assert local.get("/api/auth/session").json() == {
        "auth_required": False,
        "user": {"id": "local", "name": "local", "operator": True},
    }
    response = local.post("/api/token", json={})
    assert response.status_code == 200
    assert response.json()["participant_identity"].startswith("local-")


def test_a_user_turns_sign_in_on(local: TestClient) -> None:
    user = add_user(local, "alice")

    assert local.get("/api/auth/session").json() == {"auth_required": True, "user": None}
    response = local.post("/api/token", json={})
    assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)

    body = login(local, "alice")
    assert body == {"user": {"id": user.id, "name": "alice", "operator": False}}
    assert local.get("/api/auth/session").json() == {
        "auth_required": True,
        "user": {"id": user.id, "name": "alice", "operator": False},
    }
    token = local.post("/api/token", json={})
    assert token.status_code == 200
    # The identity comes from the signed-in user, never from the request body.
    claims = lk.TokenVerifier("test-livekit-key", SECRET).verify(token.json()["participant_token"])
    assert claims.identity.startswith(user.id + "-")
    assert claims.name == "alice"


def test_login_sets_a_strict_http_only_cookie(local: TestClient) -> None:
    add_user(local, "alice")
    response = local.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("va_session=")
    parts = {p.strip().split("=")[0].lower() for p in cookie.split(";")}
    assert {"httponly", "max-age", "path"} <= parts
    assert "samesite=strict" in cookie.lower()
    assert "secure" not in parts  # loopback: plain http
    assert response.headers["cache-control"] == "no-store"
    # Only a hash of the token is stored.
    raw = response.cookies["va_session"]
    factory: sessionmaker[Session] = services_of(local.app).sessionmaker
    with factory() as session:
        [stored] = session.scalars(select(AuthSession)).all()
    assert stored.token_hash == hash_session_token(raw) and raw not in stored.token_hash


@pytest.mark.parametrize(
    ("host", "base_url", "secure"),
    [
        ("0.0.0.0", "https://voice.example.com", True),
        ("127.0.0.1", "https://127.0.0.1", True),  # behind a TLS proxy on the same machine
        ("0.0.0.0", "http://voice.example.com", False),  # a Secure cookie would never return
    ],
)
def test_the_cookie_is_secure_on_https(
    make_client: ClientFactory, host: str, base_url: str, secure: bool
) -> None:
    client = make_client(api_keys=(), host=host, base_url=base_url)
    add_user(client, "alice")
    response = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    parts = {p.strip().lower() for p in response.headers["set-cookie"].split(";")}
    assert ("secure" in parts) == secure
    cleared = client.post("/api/auth/logout").headers["set-cookie"]
    assert ("secure" in {p.strip().lower() for p in cleared.split(";")}) == secure


@pytest.mark.parametrize(("name", "password"), [("alice", "wrong password"), ("mallory", PASSWORD)])
def test_wrong_name_or_password_is_one_401(local: TestClient, name: str, password: str) -> None:
    add_user(local, "alice")
    response = local.post("/api/auth/login", json={"username": name, "password": password})
    assert (response.status_code, response.json()) == (401, INVALID_LOGIN)
    assert "set-cookie" not in response.headers
    assert sessions_in_db(local) == 0


def test_logout_ends_the_server_side_session(local: TestClient) -> None:
    add_user(local, "alice")
    login(local, "alice")
    stolen = local.cookies["va_session"]
    assert sessions_in_db(local) == 1

    response = local.post("/api/auth/logout")
    assert response.status_code == 204
    assert (
        'va_session=""' in response.headers["set-cookie"]
        or "Max-Age=0" in (response.headers["set-cookie"])
    )
    assert sessions_in_db(local) == 0
    # The old cookie value is worthless now, even replayed by hand.
    local.cookies.set("va_session", stolen)
    replay = local.post("/api/token", json={})
    assert (replay.status_code, replay.json()) == (401, NOT_SIGNED_IN)
    assert local.post("/api/auth/logout").status_code == 204  # idempotent


def test_expired_or_forged_sessions_are_refused(local: TestClient) -> None:
    user = add_user(local, "alice")
    expired = new_session_token()
    factory: sessionmaker[Session] = services_of(local.app).sessionmaker
    with factory() as session:
        session.add(
            AuthSession(
                token_hash=hash_session_token(expired),
                user_id=user.id,
                created_at=utcnow() - dt.timedelta(days=2),
                expires_at=utcnow() - dt.timedelta(seconds=1),
            )
        )
        session.commit()
    for value in (expired, new_session_token(), "x" * 500):
        local.cookies.set("va_session", value)
        response = local.get("/api/conversations")
        assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)


def test_users_see_only_their_own_conversations(local: TestClient) -> None:
    add_user(local, "alice")
    add_user(local, "bob")
    login(local, "alice")
    created = local.post("/api/conversations", json={}).json()["conversation"]
    local.cookies.clear()
    login(local, "bob")

    assert local.get(f"/api/conversations/{created['id']}").status_code == 404
    assert local.get("/api/conversations").json()["items"] == []
    response = local.post("/api/token", json={"room_name": created["room_name"]})
    assert (response.status_code, response.json()) == (409, {"detail": "room name already in use"})


def test_api_keys_work_beside_cookies(make_client: ClientFactory, alice: Headers) -> None:
    client = make_client()  # alice's and bob's API keys
    add_user(client, "carol")
    assert client.get("/api/conversations", headers=alice).status_code == 200
    login(client, "carol")
    assert client.get("/api/conversations").status_code == 200
    # A wrong key is refused even with a good cookie: the key is what was presented.
    response = client.get("/api/conversations", headers={"Authorization": "Bearer nope" * 3})
    assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)


def test_require_login_without_users_refuses_everyone(make_client: ClientFactory) -> None:
    client = make_client(api_keys=(), require_login=True)
    assert client.get("/api/auth/session").json() == {"auth_required": True, "user": None}
    assert client.post("/api/token", json={}).status_code == 401


def test_login_attempts_are_rate_limited(make_settings: Callable[..., Settings]) -> None:
    frozen = InProcessRateLimiter(limit=2, clock=lambda: 30.0)  # one window throughout
    app = create_app(make_settings(api_keys=()), login_limiter=frozen)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5)) as client:
        _attempts_are_limited(client)


def _attempts_are_limited(client: TestClient) -> None:
    add_user(client, "alice")
    statuses = [
        client.post("/api/auth/login", json={"username": "alice", "password": "guess"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    # Even the right password waits for the window: guessing is what the limit slows down.
    response = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert (response.status_code, response.json()) == (429, {"detail": "rate limit exceeded"})
    assert response.headers["retry-after"] == "30"


def test_guessing_a_name_does_not_lock_its_owner_out(
    make_settings: Callable[..., Settings],
) -> None:
    """The per-name budget is spent by anyone who knows the name; a browser its owner signed in
    from before (cookie va_device) is spared it. A new browser is not, so guessing from many
    addresses stays slow."""
    frozen = InProcessRateLimiter(limit=3, clock=lambda: 30.0)  # one window throughout
    app = create_app(make_settings(api_keys=()), login_limiter=frozen)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5)) as owner:
        _guess_while_the_owner_signs_in(owner)


def _guess_while_the_owner_signs_in(owner: TestClient) -> None:
    add_user(owner, "alice")
    login(owner, "alice")
    assert owner.cookies.get("va_device")
    owner.post("/api/auth/logout")

    def from_address(address: str) -> TestClient:
        return TestClient(owner.app, base_url="http://127.0.0.1:8000", client=(address, 1))

    guesses = [
        from_address(f"203.0.113.{i}")
        .post("/api/auth/login", json={"username": "alice", "password": "guess"})
        .status_code
        for i in range(3)
    ]
    assert guesses == [401, 401, 429]  # the name's budget is spent (1 sign-in + 2 guesses)
    new_browser = from_address("198.51.100.7")
    right = {"username": "alice", "password": PASSWORD}
    assert new_browser.post("/api/auth/login", json=right).status_code == 429
    assert owner.post("/api/auth/login", json=right).status_code == 200
    forged = from_address("198.51.100.8")
    forged.cookies.set("va_device", "0" * 64)
    assert forged.post("/api/auth/login", json=right).status_code == 429


def test_password_checks_run_at_most_n_at_once(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2id takes 64 MiB a check: a burst of sign-ins must not take a thread and 64 MiB
    each. The rest wait for a slot (503 `too many sign-ins at once, retry` after 5 s)."""
    client = make_client(api_keys=(), max_concurrent_password_checks=2)
    running, most = 0, 0
    lock = threading.Lock()

    def slow_verify(password_hash: str | None, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(auth_routes, "verify_password", slow_verify)

    def attempt(i: int) -> int:
        body = {"username": f"user{i}", "password": "guess"}
        return client.post("/api/auth/login", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    assert statuses == [401] * 8
    assert most == 2


@pytest.mark.parametrize("body", [{}, {"username": "a"}, {"username": "", "password": "x"}])
def test_malformed_login_is_422(local: TestClient, body: dict[str, str]) -> None:
    assert local.post("/api/auth/login", json=body).status_code == 422


def test_users_cli_adds_lists_and_deletes(
    local: TestClient,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    main(["users", "add", "dave"])
    assert "added user dave" in capsys.readouterr().out

    login(local, "dave")  # the running app sees the new user at once
    main(["users", "list"])
    assert capsys.readouterr().out.startswith("dave\tu-")

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as duplicate:
        main(["users", "add", "dave"])
    assert duplicate.value.code == EXIT_USAGE
    assert capsys.readouterr().err.strip() == "voice-backend: user dave already exists"

    add_user(local, "erin")  # someone left, so sign-in stays on
    main(["users", "delete", "dave"])
    assert sessions_in_db(local) == 0  # signed out everywhere
    assert local.get("/api/conversations").status_code == 401


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["users", "add", "eve"], "short\n", "at least 8 characters (BACKEND_MIN_PASSWORD_CHARS)"),
        (["users", "add", "bad name"], PASSWORD, "a user name is 1-64 letters"),
        (["users", "delete", "nobody"], "", "no user nobody"),
        (["users", "role", "nobody", "operator"], "", "no user nobody"),
    ],
)
def test_users_cli_errors_are_one_line(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err
