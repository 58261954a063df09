"""The `db` layer: every test here runs once on SQLite and once on a real PostgreSQL server
that this file starts on a free loopback port (and a real redis-server where asked for).
Both are started at most once per session, only if a selected test needs them."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from job_credentials import JOB_SECRET
from live_servers import PostgresServer, RedisServer, start_postgres, start_redis
from sqlalchemy import Engine, create_engine, text

from app.core import migrate
from app.core.rate_limit import RateLimiter
from app.core.session_registry import SessionRegistry
from app.main import create_app
from app.models import Base

ALICE_KEY = "alice-api-key-0123456789"
BOB_KEY = "bob-api-key-0123456789ab"
AGENT_TOKEN = "agent-service-token-" + "x" * 24

ClientFactory = Callable[..., TestClient]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


def create_database(server: PostgresServer, name: str) -> str:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.url(name)


def drop_database(server: PostgresServer, name: str) -> None:
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    """The shared test database, migrated from empty once."""
    url = create_database(postgres_server, "backend_test")
    migrate.upgrade(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_engine: Engine) -> str:
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with postgres_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return postgres_engine.url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Any) -> Iterator[str]:
    """A database with no tables at all, on the same engine as db_url."""
    if db_url.startswith("sqlite"):
        yield f"sqlite+pysqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{secrets.token_hex(4)}"
    url = create_database(server, name)
    yield url
    drop_database(server, name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def make_client(make_settings: Callable[..., Any]) -> Iterator[ClientFactory]:
    """make_client(**settings): a started app (two API-key users, the agent's token and the
    job credentials' secret by default); every client is shut down, and its engine
    disposed, after the test."""
    opened: list[TestClient] = []

    def make(
        *,
        base_url: str = "http://127.0.0.1:8000",
        rate_limiter: RateLimiter | None = None,
        session_registry: SessionRegistry | None = None,
        **kw: Any,
    ) -> TestClient:
        values: dict[str, Any] = {
            "api_keys": (ALICE_KEY, BOB_KEY),
            "agent_service_token": AGENT_TOKEN,
            "job_credential_secret": JOB_SECRET,
        }
        values.update(kw)
        app = create_app(
            make_settings(**values), rate_limiter=rate_limiter, session_registry=session_registry
        )
        client = TestClient(app, base_url=base_url, client=("127.0.0.1", 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_client: ClientFactory) -> TestClient:
    return make_client()


@pytest.fixture
def alice() -> dict[str, str]:
    return {"Authorization": f"Bearer {ALICE_KEY}"}


@pytest.fixture
def bob() -> dict[str, str]:
    return {"Authorization": f"Bearer {BOB_KEY}"}


@pytest.fixture
def agent() -> dict[str, str]:
    """The worker's service token: worker-level routes only (jobs use job_headers)."""
    return {"Authorization": f"Bearer {AGENT_TOKEN}"}
