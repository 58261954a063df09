"""What a benchmark ran on, for the headers in docs/benchmarks.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_measured: dict[str, str] = {}  # the HEAD ``may_record`` saw: a commit made mid-run is not it


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


def _git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def tree_is_clean(root: Path = ROOT) -> bool:
    """No uncommitted change, staged or not, and no untracked file outside .gitignore (False
    when git cannot tell)."""
    status = _git("status", "--porcelain", cwd=root)
    return status.returncode == 0 and status.stdout.strip() == ""


def head() -> str:
    """The short HEAD."""
    return _git("rev-parse", "--short", "HEAD").stdout.strip() or "no commit"


def commit() -> str:
    """The short HEAD, noting uncommitted changes."""
    return head() + ("" if tree_is_clean() else " (with uncommitted changes)")


def tree_note(clean: bool) -> str:
    if clean:
        return "Tree: clean."
    return "Tree: **uncommitted changes** (recorded with --allow-dirty: not exactly this commit)."


def add_record_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-record", action="store_true", help="print only")
    parser.add_argument(
        "--allow-dirty",
        action="store_true",
        help="record even with uncommitted changes (the record says so)",
    )


def may_record(args: argparse.Namespace) -> bool:
    """Whether the tree is clean; exits naming the fix when a record would name a commit it
    did not measure."""
    clean = tree_is_clean()
    _measured["head"] = head()
    if not (args.no_record or clean or args.allow_dirty):
        raise SystemExit(
            "bench: uncommitted changes: commit them first (a record names the commit it "
            "measured), or pass --no-record, or --allow-dirty to record it marked as such"
        )
    return clean


def append_record(title: str, description: str, body: str, *, clean: bool) -> None:
    """A dated section in docs/benchmarks.md: what ran where (machine, commit, tree, load
    average: other work on the box moves these figures more than most changes do), then
    ``body``."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = ROOT / "docs" / "benchmarks.md"
    with out.open("a") as f:
        f.write(
            f"\n## {title} — {stamp}\n\nMachine: {machine()}. "
            f"Commit: {_measured.get('head') or head()}. "
            f"{tree_note(clean)} Load average at the end (1/5/15 min): {load}. "
            f"{description}\n\n{body}\n"
        )
    print(f"bench: appended to {out.relative_to(ROOT)}")
