"""bench/caller (the capacity bench's Go callers): its onset detector's own tests, and the
questions as the Go caller reads them (Ogg/Opus, 20 ms packets, where the voice ends)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

pytestmark = pytest.mark.unit

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "capacity")]
import go_caller  # noqa: E402


def test_the_onset_detectors_go_tests_pass() -> None:
    # the onset package imports only the standard library: no module download, a cheap build
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=readonly", CGO_ENABLED="0")
    result = subprocess.run(
        [go_caller.go_binary(), "test", "-count=1", "./onset/"],
        cwd=go_caller.SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_without_go_the_bench_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(go_caller, "GO_TARBALL", tmp_path / "go")
    with pytest.raises(go_caller.CallerBuildFailed, match=r"Go 1.26\+ is needed.*--caller python"):
        go_caller.go_binary()


def test_a_question_becomes_20_ms_opus_packets_and_its_voice_end(tmp_path: Path) -> None:
    rate = go_caller.RATE
    t = np.arange(rate // 2) / rate
    tone = (np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16)
    pcm = np.concatenate([np.zeros(rate // 10, np.int16), tone, np.zeros(rate // 5, np.int16)])
    assert go_caller.last_voice_s(pcm) == pytest.approx(0.6, abs=0.001)
    path = tmp_path / "q.ogg"
    go_caller.encode_ogg(pcm, path)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.channels) == ("opus", 1)
        packets = [p for p in container.demux(stream) if p.size]
    # 20 ms at 48 kHz (the last one's duration is trimmed to the stream's end by its granule)
    assert {p.duration for p in packets[:-1]} == {960}
    assert len(packets) * 0.02 == pytest.approx(0.8, abs=0.04)


def test_the_plan_names_every_question_and_its_encoded_file(tmp_path: Path) -> None:
    pcm = (np.sin(np.arange(4800) / 10) * 8000).astype(np.int16)
    scripts = [go_caller.CallerScript(0, [(1.5, "hello?")])]
    plan = go_caller.write_plan(tmp_path, "http://127.0.0.1:9", scripts, {"hello?": pcm})
    body = json.loads(plan.read_text())
    assert body["callers"] == [{"index": 0, "turns": [{"pause_s": 1.5, "question": "hello?"}]}]
    assert Path(body["prompts"]["hello?"]["ogg"]).is_file()
    assert Path(body["silence_ogg"]).is_file()
