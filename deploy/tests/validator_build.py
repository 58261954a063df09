"""Builds deploy/validate (Go) once per source version, cached under .tools/va-validate/."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "deploy" / "validate"
CACHE = ROOT / ".tools" / "va-validate"
BUILD_TIMEOUT_S = 1200  # a cold build on a busy 2-core machine; a cached one takes no time


def source_key() -> str:
    """sha256 of go.mod, go.sum and every .go file: a new binary whenever any of them change."""
    digest = hashlib.sha256()
    for path in sorted([SOURCE / "go.mod", SOURCE / "go.sum", *SOURCE.glob("*.go")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def go_binary() -> str:
    default = Path("/usr/local/go/bin/go")  # the official tarball's place, often not on PATH
    found = shutil.which("go") or (str(default) if default.is_file() else None)
    if found is None:
        raise RuntimeError("Go 1.26+ is needed to build deploy/validate (as for livekit-server)")
    return found


def build() -> Path:
    """The validator binary for the current sources, built if missing (atomically)."""
    target = CACHE / source_key() / "va-validate"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOFLAGS="-mod=readonly", CGO_ENABLED="0")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / "va-validate"
        result = subprocess.run(
            [go_binary(), "build", "-trimpath", "-buildvcs=false", "-o", str(out), "."],
            cwd=SOURCE,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
        )
        if result.returncode != 0:
            raise RuntimeError(f"go build of deploy/validate failed:\n{result.stderr[-4000:]}")
        out.replace(target)
    for stale in CACHE.iterdir():  # binaries of earlier sources (~100 MB each)
        if stale != target.parent and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    return target
