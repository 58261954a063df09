"""What a benchmark ran on, for the headers in docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    return f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, {platform.system()}"


def commit() -> str:
    """The short HEAD, noting uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "uncommitted"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain") else "")
