"""The framework preloads its own local VAD and end-of-turn weights into the worker's
forkserver (livekit-agents 1.8.9, ``ipc/_preload.py``): ~245 MiB that this agent uses only
with ``AGENT_TURN__DETECTOR=eot``. ``main()`` turns that off for the ``vad`` detector unless
the environment says otherwise."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from voice_agent.main import PRELOAD_LOCAL_INFERENCE, skip_unused_framework_models
from voice_agent.settings import AgentSettings, TurnSettings, VadSettings

pytestmark = pytest.mark.unit


def test_the_unused_framework_models_are_not_preloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRELOAD_LOCAL_INFERENCE, raising=False)
    skip_unused_framework_models(AgentSettings())
    assert os.environ[PRELOAD_LOCAL_INFERENCE] == "0"


def test_the_end_of_turn_model_is_preloaded_when_it_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PRELOAD_LOCAL_INFERENCE, raising=False)
    eot = AgentSettings(turn=TurnSettings(detector="eot"), vad=VadSettings(min_silence_s=0.25))
    skip_unused_framework_models(eot)
    # unset: the framework's default, which loads the weights once in the forkserver
    assert PRELOAD_LOCAL_INFERENCE not in os.environ


def test_an_explicit_choice_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRELOAD_LOCAL_INFERENCE, "1")
    skip_unused_framework_models(AgentSettings())
    assert os.environ[PRELOAD_LOCAL_INFERENCE] == "1"


def test_the_framework_reads_that_variable() -> None:
    # fails if a framework upgrade renames it: the preload would come back unnoticed (read,
    # not imported: importing the module runs the preload)
    spec = importlib.util.find_spec("livekit.agents.ipc._preload")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text()
    assert f'ENV_PRELOAD_LOCAL_INFERENCE = "{PRELOAD_LOCAL_INFERENCE}"' in source
    # and that, left unset, it still loads the end-of-turn weights in the forkserver
    assert "li.init_eot()" in source
