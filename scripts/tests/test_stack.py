"""The stack launcher's preflight: clear messages instead of crashes (no servers started)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.py"


def import_stack() -> Any:
    """scripts/stack.py as a module (its folder is not a package)."""
    sys.path.insert(0, str(STACK.parent))
    try:
        import stack  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    return stack


def run_stack(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    fake_bin = tmp_path / "livekit-server"
    fake_bin.write_text("#!/bin/sh\nexit 0\n")
    fake_bin.chmod(0o755)
    base = {
        **os.environ,
        "VA_STATE_DIR": str(tmp_path / "state"),
        "VA_DATA_DIR": str(tmp_path / "data"),
        "LIVEKIT_SERVER_BIN": str(fake_bin),
        # ports nobody uses in this test run
        "LIVEKIT_PORT": "39880",
        "LIVEKIT_RTC_TCP_PORT": "39881",
        "LIVEKIT_RTC_UDP_PORT": "39882",
        "BACKEND_PORT": "39800",
        "AGENT_HEALTH_PORT": "39883",
        "AGENT_METRICS_PORT": "39884",
        "MODEL_HOST_PORT": "39885",
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, str(STACK)], env=base, capture_output=True, text=True, timeout=30
    )


def test_missing_livekit_server_names_the_fix(tmp_path: Path) -> None:
    result = run_stack(tmp_path, LIVEKIT_SERVER_BIN=str(tmp_path / "nope"))
    assert result.returncode != 0
    assert "livekit-server not found" in result.stderr
    assert "make install" in result.stderr


def test_port_in_use_names_the_port_and_the_fix(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = run_stack(tmp_path, BACKEND_PORT=str(port))
    assert result.returncode != 0
    assert f"BACKEND_PORT port {port}" in result.stderr
    assert "choose free ports" in result.stderr


def test_second_run_says_a_stack_is_running(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "stack.pid").write_text(str(os.getppid()))  # a live process that is not us
    result = run_stack(tmp_path)
    assert result.returncode == 0
    assert "already running" in result.stdout
    assert "http://127.0.0.1:39800/" in result.stdout
    assert f"`kill {os.getppid()}`" in result.stdout  # the command to stop it, ready to paste


def test_bad_port_value_is_rejected(tmp_path: Path) -> None:
    result = run_stack(tmp_path, BACKEND_PORT="80a")
    assert result.returncode != 0
    assert "BACKEND_PORT='80a' is not a port number" in result.stderr


def test_secrets_are_generated_once_with_private_mode(tmp_path: Path) -> None:
    stack = import_stack()
    keys = tmp_path / "secrets.env"
    first = stack.load_or_create_secrets(keys)
    second = stack.load_or_create_secrets(keys)
    assert first == second
    assert set(first) == {
        "LIVEKIT_API_KEY",
        "LIVEKIT_API_SECRET",
        "AGENT_SERVICE_TOKEN",
        "BACKEND_JOB_CREDENTIAL_SECRET",
    }
    assert len(first["LIVEKIT_API_SECRET"]) >= 32
    assert len(first["AGENT_SERVICE_TOKEN"]) >= 32
    assert len(first["BACKEND_JOB_CREDENTIAL_SECRET"]) >= 32
    assert first["BACKEND_JOB_CREDENTIAL_SECRET"] != first["AGENT_SERVICE_TOKEN"]
    assert keys.stat().st_mode & 0o777 == 0o600


def test_an_older_secrets_file_gets_the_job_credential_secret_added(tmp_path: Path) -> None:
    """A secrets.env written before the backend had its own signing secret is kept (the
    LiveKit keys and the agent token stay) and the new secret is added to it."""
    stack = import_stack()
    keys = tmp_path / "secrets.env"
    old = {
        "LIVEKIT_API_KEY": "vaold",
        "LIVEKIT_API_SECRET": "s" * 43,
        "AGENT_SERVICE_TOKEN": "t" * 43,
    }
    keys.write_text("".join(f"{k}={v}\n" for k, v in old.items()))
    keys.chmod(0o600)
    loaded = stack.load_or_create_secrets(keys)
    assert {k: loaded[k] for k in old} == old
    assert len(loaded["BACKEND_JOB_CREDENTIAL_SECRET"]) >= 32
    assert stack.load_or_create_secrets(keys) == loaded  # written down, not made up each run
    assert keys.stat().st_mode & 0o777 == 0o600


def test_only_the_backend_gets_the_job_credential_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent (its worker and every job process) never holds the secret that signs job
    credentials, even when the shell exports it."""
    stack = import_stack()
    monkeypatch.setenv("BACKEND_JOB_CREDENTIAL_SECRET", "from-the-shell-" + "x" * 32)
    creds = stack.load_or_create_secrets(tmp_path / "secrets.env")
    shared = stack.service_env(creds, tmp_path, "http://127.0.0.1:1")
    assert "BACKEND_JOB_CREDENTIAL_SECRET" not in shared
    assert shared["AGENT_SERVICE_TOKEN"] == creds["AGENT_SERVICE_TOKEN"]
    backend = stack.backend_env(shared, creds)
    assert backend["BACKEND_JOB_CREDENTIAL_SECRET"] == creds["BACKEND_JOB_CREDENTIAL_SECRET"]


def test_livekit_config_is_loopback_only_and_posts_webhooks_to_the_backend() -> None:
    stack = import_stack()
    yaml = stack.livekit_yaml(stack.Config(), "k", "s" * 32)
    assert 'bind_addresses: ["127.0.0.1"]' in yaml
    assert "enable_loopback_candidate: true" in yaml
    assert "use_external_ip: false" in yaml
    assert "http://127.0.0.1:8000/livekit/webhook" in yaml


def test_stun_servers_are_only_those_the_user_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = import_stack()
    monkeypatch.delenv("LIVEKIT_STUN_SERVERS", raising=False)
    monkeypatch.delenv("LIVEKIT_PORT", raising=False)
    assert 'stun_servers: ["127.0.0.1:7880"]' in stack.livekit_yaml(stack.Config(), "k", "s")
    monkeypatch.setenv("LIVEKIT_STUN_SERVERS", "stun.example.org:3478, 10.0.0.2:3478")
    yaml = stack.livekit_yaml(stack.Config(), "k", "s")
    assert 'stun_servers: ["stun.example.org:3478", "10.0.0.2:3478"]' in yaml


def test_bad_stun_server_is_rejected(tmp_path: Path) -> None:
    result = run_stack(tmp_path, LIVEKIT_STUN_SERVERS="stun.example.org")
    assert result.returncode != 0
    assert "LIVEKIT_STUN_SERVERS: 'stun.example.org' is not host:port" in result.stderr


@pytest.mark.parametrize("workers", ["0", "17", "two"])
def test_bad_agent_worker_count_is_rejected(tmp_path: Path, workers: str) -> None:
    result = run_stack(tmp_path, VA_AGENT_WORKERS=workers)
    assert result.returncode != 0
    assert "VA_AGENT_WORKERS" in result.stderr and "1 to 16" in result.stderr


def test_agent_worker_count_defaults_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = import_stack()
    monkeypatch.delenv("VA_AGENT_WORKERS", raising=False)
    assert stack.Config().agent_workers == 1
    monkeypatch.setenv("VA_AGENT_WORKERS", "3")
    assert stack.Config().agent_workers == 3


def test_each_agent_worker_is_told_its_place_and_gets_its_own_health_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The box's cap (AGENT_MAX_SESSIONS) goes to every worker unchanged: each takes its share
    as worker i of N (voice_agent.capacity.worker_share)."""
    stack = import_stack()
    monkeypatch.setenv("VA_AGENT_WORKERS", "3")
    monkeypatch.setenv("AGENT_HEALTH_PORT", "18181")
    monkeypatch.setenv("AGENT_METRICS_PORT", "18464")
    shared = {
        "AGENT_MAX_SESSIONS": "8",
        "AGENT_HEALTH_PORT": "18181",
        "AGENT_METRICS_PORT": "18464",
    }
    workers = stack.agent_workers(stack.Config(), shared)
    assert list(workers) == ["agent", "agent-2", "agent-3"]
    places = [(w["AGENT_WORKER_INDEX"], w["AGENT_WORKERS"]) for w in workers.values()]
    assert places == [("1", "3"), ("2", "3"), ("3", "3")]
    assert [w["AGENT_HEALTH_PORT"] for w in workers.values()] == ["18181", "18182", "18183"]
    assert [w["AGENT_METRICS_PORT"] for w in workers.values()] == ["18464", "0", "0"]
    assert all(w["AGENT_MAX_SESSIONS"] == "8" for w in workers.values())


def test_one_worker_keeps_the_settings_it_had(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = import_stack()
    monkeypatch.delenv("VA_AGENT_WORKERS", raising=False)
    monkeypatch.setenv("AGENT_HEALTH_PORT", "8081")
    [(name, env)] = stack.agent_workers(stack.Config(), {"AGENT_METRICS_PORT": "9464"}).items()
    assert name == "agent"
    assert env["AGENT_HEALTH_PORT"] == "8081" and env["AGENT_METRICS_PORT"] == "9464"
    assert env["AGENT_WORKERS"] == env["AGENT_WORKER_INDEX"] == "1"


def test_a_workers_health_port_on_another_port_of_the_stack_is_refused(tmp_path: Path) -> None:
    # the fourth worker's health would be 39893, the model host's port
    ports = {"AGENT_HEALTH_PORT": "39890", "MODEL_HOST_PORT": "39893"}
    result = run_stack(tmp_path, VA_AGENT_WORKERS="4", **ports)
    assert result.returncode != 0
    assert "MODEL_HOST_PORT and AGENT_HEALTH_PORT + 3 (agent-4) are both 39893" in result.stderr
    assert "fewer VA_AGENT_WORKERS" in result.stderr


def test_a_workers_health_port_past_65535_is_refused(tmp_path: Path) -> None:
    result = run_stack(tmp_path, VA_AGENT_WORKERS="2", AGENT_HEALTH_PORT="65535")
    assert result.returncode != 0
    assert "AGENT_HEALTH_PORT + 1 (agent-2) would be 65536" in result.stderr
