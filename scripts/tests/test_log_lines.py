"""scripts/supervisor.py `compact`: the agent's JSON log lines as one short human line each,
a failure ending with the exception that caused it (a stack that did not start shows why)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from supervisor import compact  # noqa: E402


def test_a_failure_ends_with_its_exception() -> None:
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "cli.py", line 395, in _worker_run\n'
        "    await server.run(devmode=devmode, unregistered=unregistered)\n"
        "OSError: [Errno 98] address already in use"
    )
    line = json.dumps(
        {"message": "worker failed", "level": "ERROR", "exc_info": traceback, "pid": 7}
    )
    assert compact(line) == "ERROR   worker failed OSError: [Errno 98] address already in use"


def test_fields_follow_the_message_and_debug_is_dropped() -> None:
    line = json.dumps({"message": "draining", "level": "INFO", "calls": 0, "timestamp": "t"})
    assert compact(line) == "INFO    draining calls=0"
    assert compact(json.dumps({"message": "x", "level": "DEBUG"})) == ""
    assert compact("plain text\n") == "plain text"
