"""One rule for every pytest run from the repository root: each test has exactly one layer.

A test module declares its layer with one module-level marker::

    pytestmark = pytest.mark.unit  # hermetic: no network, no models, no servers

and no test inside it adds another. Each folder allows the layers below. A module that breaks
the rule fails the whole run at collection, before ``-m`` deselects anything, so a forgotten
marker never hides tests from ``make test``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent
LAYERS = ("unit", "models", "db", "integration")
FOLDER_LAYERS = {
    "agent/tests": ("unit", "models", "integration"),
    "backend/tests": ("unit", "db"),
    "bench/tests": ("unit",),
    "deploy/tests": ("unit", "integration"),
    "scripts/tests": ("unit", "integration"),
}


def allowed_layers(path: Path) -> tuple[str, ...]:
    for folder, layers in FOLDER_LAYERS.items():
        if path.is_relative_to(ROOT / folder):
            return layers
    return LAYERS


def module_layers(module: ModuleType) -> list[str]:
    """The layer markers in a module's ``pytestmark`` (a mark or a list of marks)."""
    marks = getattr(module, "pytestmark", [])
    marks = marks if isinstance(marks, list | tuple) else [marks]
    return [m.name for m in marks if getattr(m, "name", None) in LAYERS]


def layer_problem(item: pytest.Item) -> str | None:
    """Why ``item`` breaks the rule, or None."""
    module = getattr(item, "module", None)
    if module is None:
        return None
    declared = module_layers(module)
    allowed = allowed_layers(item.path)
    if len(declared) != 1:
        return f"{', '.join(declared) or 'no layer marker'} (needs one of {', '.join(allowed)})"
    if declared[0] not in allowed:
        return f"{declared[0]} (needs one of {', '.join(allowed)})"
    on_test = sorted({m.name for m in item.iter_markers() if m.name in LAYERS} - set(declared))
    if on_test:
        return f"{item.name} adds {', '.join(on_test)} to the module's {declared[0]}"
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection, which would hide unmarked modules
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    offenders: dict[str, str] = {}
    for item in items:
        key = item.nodeid.split("::", 1)[0]
        if key not in offenders and (problem := layer_problem(item)):
            offenders[key] = problem
    if offenders:
        listed = "\n".join(f"  - {name}: {problem}" for name, problem in sorted(offenders.items()))
        raise pytest.UsageError(
            f"test modules without exactly one layer marker:\n{listed}\n\n"
            "Declare one per module, e.g. `pytestmark = pytest.mark.unit` (see conftest.py)."
        )
