from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from live_servers import POSTGRES_MAJOR, free_port
from sqlalchemy import Engine, inspect, text

from app.core import migrate
from app.core.db import make_engine
from app.models import Base

pytestmark = pytest.mark.db

TABLES = {"conversations", "messages", "notes", "processed_events"}
TABLES |= {"users", "auth_sessions", "conversation_events", "conversation_files"}
TABLES |= {"conversation_recordings", "conversation_ratings", "experiments"}
TABLES |= {"analytics_days", "analytics_latency"}
BACKEND_DIR = Path(__file__).resolve().parents[2]


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(Config(str(migrate.ALEMBIC_INI))).get_current_head()
    assert head is not None
    return head


def test_upgrade_from_empty_matches_the_models(empty_db_url: str) -> None:
    assert _tables(empty_db_url) == set()
    migrate.upgrade(empty_db_url)

    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == _head()
            # Autogenerate finds nothing to do: the migrations build exactly the models' schema.
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert _tables(empty_db_url) == TABLES | {"alembic_version"}


def test_upgrade_is_idempotent_and_downgrade_reverts(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    migrate.upgrade(empty_db_url)  # every start runs it: a second run changes nothing
    migrate.downgrade(empty_db_url, "base")
    assert _tables(empty_db_url) == {"alembic_version"}
    migrate.upgrade(empty_db_url)
    assert _tables(empty_db_url) >= TABLES


def test_entrypoint_migrates_before_serving(empty_db_url: str) -> None:
    """`python -m app` on an empty database: tables first, then a server that answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "LIVEKIT_"))}
    env |= {
        "LIVEKIT_API_KEY": "k",
        "LIVEKIT_API_SECRET": "s",
        "BACKEND_PORT": str(port),
        "DATABASE_URL": empty_db_url,
        "LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}",
        "BACKEND_AGENT_CAPACITY_CHECK": "false",  # no agent worker here
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                with httpx.Client(trust_env=False, timeout=2) as http:
                    response = http.post(f"http://127.0.0.1:{port}/api/token", json={})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "backend did not answer within 30 s"
                time.sleep(0.1)
        assert response.status_code == 200
        assert _tables(empty_db_url) >= TABLES
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_server_is_the_postgresql_major_the_tests_claim(postgres_engine: Engine) -> None:
    with postgres_engine.connect() as conn:
        version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    assert version // 10_000 == POSTGRES_MAJOR
