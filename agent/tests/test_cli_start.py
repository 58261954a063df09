"""`voice-agent start` end to end up to the LiveKit connection, with the real model files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from voice_agent.local_models import llm_gguf

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def assembled_model_dir(model_dir: Path) -> Path:
    llm_gguf(model_dir)  # 491 MB, assembled and sha-checked once per machine
    return model_dir


def _run(model_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AGENT_", "LIVEKIT_"))}
    return subprocess.run(
        [sys.executable, "-m", "voice_agent.main", *args],
        env={**clean, "AGENT_MODEL_DIR": str(model_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_without_livekit_keys_exits_2_with_one_line(assembled_model_dir: Path) -> None:
    proc = _run(assembled_model_dir, "start", LIVEKIT_API_KEY="devkey")  # secret missing
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("voice-agent: ")
    assert "LIVEKIT_API_KEY" in lines[0] and "LIVEKIT_API_SECRET" in lines[0]


def test_start_with_an_unwritable_model_dir_exits_2(tmp_path: Path) -> None:
    # the GGUF cannot be assembled: a file stands where the model directory should be
    blocker = tmp_path / "models"
    blocker.write_text("not a directory")
    proc = _run(blocker, "start", LIVEKIT_API_KEY="k", LIVEKIT_API_SECRET="s")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "AGENT_MODEL_DIR" in lines[0] and str(blocker) in lines[0]


def test_more_workers_than_the_box_takes_calls_exits_2_naming_the_fix(
    assembled_model_dir: Path,
) -> None:
    proc = _run(
        assembled_model_dir,
        "start",
        LIVEKIT_API_KEY="k",
        LIVEKIT_API_SECRET="s",
        AGENT_MAX_SESSIONS="2",
        AGENT_WORKERS="3",
        AGENT_WORKER_INDEX="1",
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "AGENT_WORKERS=3" in lines[0] and "cap of 2 calls" in lines[0]
    assert "at most 2 workers" in lines[0] and "raise AGENT_MAX_SESSIONS" in lines[0]
