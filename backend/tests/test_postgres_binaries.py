"""The db layer runs on the PostgreSQL major version it claims, never on whatever is found."""

from __future__ import annotations

from pathlib import Path

import live_servers
import pytest
from live_servers import POSTGRES_MAJOR, ServerUnavailable

pytestmark = pytest.mark.unit


def fake_pg_ctl(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    tool = folder / "pg_ctl"
    tool.write_text(f"#!/bin/sh\necho 'pg_ctl (PostgreSQL) {version} (Debian)'\n")
    tool.chmod(0o755)
    return folder


@pytest.fixture
def no_debian_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(live_servers, "DEBIAN_POSTGRES", tmp_path / "usr-lib-postgresql")
    return tmp_path / "usr-lib-postgresql"


def test_a_pg_ctl_of_another_major_on_path_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_debian_dirs: Path
) -> None:
    monkeypatch.setenv("PATH", str(fake_pg_ctl(tmp_path / "bin", f"{POSTGRES_MAJOR + 1}.2")))
    with pytest.raises(ServerUnavailable, match=f"PostgreSQL {POSTGRES_MAJOR} server binaries"):
        live_servers.postgres_bin()


def test_the_claimed_major_is_found_on_path_or_in_debians_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_debian_dirs: Path
) -> None:
    monkeypatch.setenv("PATH", str(fake_pg_ctl(tmp_path / "bin", f"{POSTGRES_MAJOR + 1}.2")))
    debian = fake_pg_ctl(no_debian_dirs / str(POSTGRES_MAJOR) / "bin", f"{POSTGRES_MAJOR}.18")
    assert live_servers.postgres_bin() == debian

    monkeypatch.setenv("PATH", str(fake_pg_ctl(tmp_path / "v", f"{POSTGRES_MAJOR}.3")))
    assert live_servers.postgres_bin() == tmp_path / "v"
