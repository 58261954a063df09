"""How llama.cpp's OpenMP threads wait is set from the settings, never over the user's own."""

from __future__ import annotations

import pytest
from voice_agent.providers.local import omp_environment
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _no_omp_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    # set, then removed: monkeypatch then restores the original state after the test,
    # including removing what omp_environment sets
    for name in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)


def test_spin_briefly_then_sleep_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    omp_environment(AgentSettings())
    assert os.environ["GOMP_SPINCOUNT"] == "10000"
    assert "OMP_WAIT_POLICY" not in os.environ


def test_a_policy_and_a_variable_set_by_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    omp_environment(AgentSettings(llm={"omp_wait_policy": "PASSIVE"}))
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("GOMP_SPINCOUNT", "5")
    omp_environment(AgentSettings(llm={"omp_spin_count": 20000}))
    assert os.environ["GOMP_SPINCOUNT"] == "5"
