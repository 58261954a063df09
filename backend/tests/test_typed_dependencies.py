"""Routes get the app's parts through the typed aliases of app.api.deps (so mypy checks every
use); ``app.state`` is read in one place, app.core.services, and checked there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi import FastAPI

import app
from app.core.services import services_of

pytestmark = pytest.mark.unit

APP_DIR = Path(app.__file__).parent


def _state_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "state"
    ]


def test_only_the_services_module_touches_app_state() -> None:
    readers = {
        str(path.relative_to(APP_DIR)): lines
        for path in sorted(APP_DIR.rglob("*.py"))
        if (lines := _state_reads(path))
    }
    assert list(readers) == ["core/services.py"], readers


def test_an_app_built_elsewhere_says_so() -> None:
    with pytest.raises(RuntimeError, match="not built by app.main.create_app"):
        services_of(FastAPI())
