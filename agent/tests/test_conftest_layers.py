"""The layer rule itself: a test module without exactly one layer marker blocks the run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

INI = """\
[pytest]
markers =
    unit: hermetic
    models: real models
    integration: real servers
addopts = --strict-markers -p no:cacheprovider
"""

UNIT_MODULE = "import pytest\npytestmark = pytest.mark.unit\n\ndef test_ok():\n    assert True\n"


def _run(tmp_path: Path, modules: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest on a copy of this conftest in ``tmp/tests`` with ``modules`` (paths
    relative to ``tmp/tests``)."""
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(Path(__file__).with_name("conftest.py"), tests / "conftest.py")
    (tmp_path / "pytest.ini").write_text(INI)
    for name, source in modules.items():
        (tests / name).parent.mkdir(parents=True, exist_ok=True)
        (tests / name).write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(tmp_path), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_marked_modules_run(tmp_path: Path) -> None:
    proc = _run(
        tmp_path,
        {
            "test_a.py": UNIT_MODULE,
            "test_b.py": UNIT_MODULE.replace("pytest.mark.unit", "[pytest.mark.models]"),
        },
        "-m",
        "unit",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 1 deselected" in proc.stdout


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def test_x():\n    assert True\n", "no layer marker"),
        (
            "import pytest\npytestmark = [pytest.mark.unit, pytest.mark.models]\n"
            "def test_x():\n    assert True\n",
            "unit, models",
        ),
        (  # a per-test marker is not a module layer
            "import pytest\n@pytest.mark.unit\ndef test_x():\n    assert True\n",
            "no layer marker",
        ),
    ],
    ids=["unmarked", "two-layers", "per-test-only"],
)
def test_module_without_exactly_one_layer_fails_even_when_deselected(
    tmp_path: Path, source: str, reason: str
) -> None:
    proc = _run(tmp_path, {"test_good.py": UNIT_MODULE, "test_bad.py": source}, "-m", "unit")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # usage error: nothing ran
    assert f"test_bad: {reason}" in proc.stderr
    assert "test_good" not in proc.stderr


def test_modules_outside_the_agent_tests_are_not_checked(tmp_path: Path) -> None:
    # one pytest run also collects backend/tests and scripts/tests, which have their own rules
    proc = _run(
        tmp_path,
        {"test_good.py": UNIT_MODULE, "../other/test_plain.py": "def test_y():\n    pass\n"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
