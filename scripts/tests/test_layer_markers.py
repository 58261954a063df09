"""The layer rule (the repository's conftest.py): a test module without exactly one layer
marker, of the layers its folder allows, blocks the whole run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
INI = """\
[pytest]
markers =
    unit: hermetic
    models: real models
    db: databases
    integration: real servers
addopts = --strict-markers -p no:cacheprovider
"""
UNIT_MODULE = "import pytest\npytestmark = pytest.mark.unit\n\ndef test_ok():\n    assert True\n"


def run(tmp_path: Path, modules: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a copy of the repository's conftest.py with ``modules`` (paths from its root)."""
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text(INI)
    for name, source in modules.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(tmp_path), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_marked_modules_run(tmp_path: Path) -> None:
    models = UNIT_MODULE.replace("pytest.mark.unit", "[pytest.mark.models]")
    proc = run(
        tmp_path,
        {"agent/tests/test_a.py": UNIT_MODULE, "agent/tests/test_b.py": models},
        "-m",
        "unit",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 1 deselected" in proc.stdout


@pytest.mark.parametrize(
    ("path", "source", "reason"),
    [
        ("scripts/tests/test_bad.py", "def test_x():\n    assert True\n", "no layer marker"),
        (
            "agent/tests/test_bad.py",
            "import pytest\npytestmark = [pytest.mark.unit, pytest.mark.models]\n"
            "def test_x():\n    assert True\n",
            "unit, models",
        ),
        (  # a per-test marker is not a module layer
            "backend/tests/test_bad.py",
            "import pytest\n@pytest.mark.unit\ndef test_x():\n    assert True\n",
            "no layer marker",
        ),
        (
            "backend/tests/test_bad.py",
            UNIT_MODULE + "\n@pytest.mark.db\ndef test_y():\n    assert True\n",
            "test_y adds db to the module's unit",
        ),
        ("bench/tests/test_bad.py", UNIT_MODULE.replace(".unit", ".db"), "db (needs one of unit)"),
    ],
    ids=["unmarked", "two-layers", "per-test-only", "test-adds-a-layer", "layer-not-allowed-here"],
)
def test_a_module_breaking_the_rule_fails_the_run_even_when_deselected(
    tmp_path: Path, path: str, source: str, reason: str
) -> None:
    proc = run(tmp_path, {"agent/tests/test_good.py": UNIT_MODULE, path: source}, "-m", "unit")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # usage error: nothing ran
    assert f"{path}: {reason}" in proc.stderr
    assert "test_good" not in proc.stderr
