"""docs/security.md: every checklist row that is done names tests, and each named test exists
(so renaming or deleting a test cannot leave the checklist pointing at nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def _rows() -> list[list[str]]:
    section = DOC.read_text().split("## Checklist", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| V")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _named_tests(cell: str) -> list[tuple[Path, str]]:
    """`path::name` and, after it, `::name` (same file) references, in order."""
    named: list[tuple[Path, str]] = []
    current: Path | None = None
    for ref in re.findall(r"`([^`]+)`", cell):
        path, _, name = ref.partition("::")
        if path:
            own_folder = path.startswith(("scripts/", "agent/"))
            current = ROOT / path if own_folder else ROOT / "backend/tests" / path
        assert current is not None, f"{ref!r} names no file"
        named.append((current, name))
    return named


def test_every_done_row_points_at_tests_that_exist() -> None:
    rows = _rows()
    assert len(rows) > 20
    for asvs, requirement, status, tests in rows:
        if status != "done":
            assert "open" in status and tests == "—", requirement
            continue
        named = _named_tests(tests)
        assert named, f"{asvs} {requirement}: no test named"
        for path, name in named:
            assert path.is_file(), f"{requirement}: {path} does not exist"
            assert re.search(rf"^(async )?def {name}\(", path.read_text(), re.M), f"{path}::{name}"
