"""Shared test setup for the agent: one test layer per module, and the shared model cache.

Every test module declares exactly one layer with a module-level marker, as livekit/agents'
tests/conftest.py does::

    pytestmark = pytest.mark.unit    # hermetic: no models, no network, no servers
    pytestmark = pytest.mark.models  # loads the real offline models

A module without one (or with two) fails the whole run at collection, before ``-m``
deselects anything, so a forgotten marker never hides tests from CI.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

LAYERS = ("unit", "models", "integration")

_LAYER_HINT = """\
Every test module in agent/tests must declare exactly one layer with a module-level marker:

    pytestmark = pytest.mark.unit     # hermetic, no models
    pytestmark = pytest.mark.models   # runs the real offline models
    pytestmark = pytest.mark.integration  # starts real servers"""


def module_layers(module: ModuleType) -> list[str]:
    """The layer markers declared by a module's ``pytestmark`` (a mark or a list of marks)."""
    marks = getattr(module, "pytestmark", [])
    if not isinstance(marks, list | tuple):
        marks = [marks]
    return [m.name for m in marks if isinstance(m, pytest.Mark) and m.name in LAYERS]


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection, which would hide unmarked modules
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    offenders: dict[str, list[str]] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is None or module.__name__ in offenders:
            continue
        layers = module_layers(module)
        if len(layers) != 1:
            offenders[module.__name__] = layers
    if offenders:
        listed = "\n".join(
            f"  - {name}: {', '.join(layers) or 'no layer marker'}"
            for name, layers in sorted(offenders.items())
        )
        raise pytest.UsageError(
            f"test modules without exactly one layer marker:\n{listed}\n\n{_LAYER_HINT}"
        )


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Where the assembled Qwen GGUF lives: ``AGENT_MODEL_DIR`` or the agent's default cache.

    Shared by every test that needs the model file, so it is assembled at most once per machine.
    """
    from voice_agent.settings import AgentSettings

    return AgentSettings().model_dir
