"""Throwaway PostgreSQL and Redis servers on free loopback ports, for the `db` test layer
and bench/backend (which starts PostgreSQL with `durable=True`).

PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` account (or
`nobody`) and every server command runs through `runuser`; as anyone else it runs as-is.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis

INSTALL_HINT = "run `scripts/install.sh test` (Debian packages postgresql and redis-server)"
# The version the db layer (and the README) claims to test on: Debian 12's.
POSTGRES_MAJOR = 15
DEBIAN_POSTGRES = Path("/usr/lib/postgresql")
START_TIMEOUT_S = 30


class ServerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_major(pg_ctl: Path) -> int | None:
    """The major version `pg_ctl --version` reports ("pg_ctl (PostgreSQL) 15.18 ...")."""
    try:
        out = subprocess.run(
            [str(pg_ctl), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(found.group(1)) if found else None


def postgres_bin() -> Path:
    """The server tools of PostgreSQL POSTGRES_MAJOR: the pg_ctl on PATH if it is that
    version, else Debian's directory for it (Debian keeps one per major, off PATH)."""
    candidates = [DEBIAN_POSTGRES / str(POSTGRES_MAJOR) / "bin"]
    if found := shutil.which("pg_ctl"):
        candidates.insert(0, Path(found).resolve().parent)
    for bin_dir in candidates:
        if postgres_major(bin_dir / "pg_ctl") == POSTGRES_MAJOR:
            return bin_dir
    raise ServerUnavailable(
        f"PostgreSQL {POSTGRES_MAJOR} server binaries (pg_ctl) not found: {INSTALL_HINT}"
    )


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise ServerUnavailable("running as root, and neither a postgres nor a nobody account exists")


@dataclass
class PostgresServer:
    port: int
    root: Path
    bin_dir: Path
    user: str | None
    durable: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / tool), *args]
        return ["runuser", "-u", self.user, "--", *cmd] if self.user else cmd

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            self._cmd(tool, *args),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServerUnavailable(f"{tool} failed: {result.stderr.strip()}\n{tail}")

    def start(self) -> None:
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
            *("--no-sync", "-E", "UTF8", "--locale=C"),
        )
        # Tests trade durability for speed; a benchmark keeps PostgreSQL's defaults, so a
        # commit is on disk (fsync, synchronous_commit) before the server answers.
        fast = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} "
            f"{'' if self.durable else fast}-c max_connections=200"
        )
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.root / "server.log")),
            *("-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"),
        )

    def stop(self) -> None:
        with contextlib.suppress(ServerUnavailable, subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(*, durable: bool = False) -> PostgresServer:
    bin_dir = postgres_bin()
    user = _run_as()
    # Not under pytest's tmp dirs: those are private to the current user.
    root = Path(tempfile.mkdtemp(prefix="backend-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(
        port=free_port(), root=root, bin_dir=bin_dir, user=user, durable=durable
    )
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    root: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        terminate(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


def start_redis() -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerUnavailable(f"redis-server not found: {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="backend-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(root), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(port=port, process=process, root=root)
    deadline = time.monotonic() + START_TIMEOUT_S
    with redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2) as client:
        while True:
            try:
                client.ping()
                return server
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    server.stop()
                    raise ServerUnavailable(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)


@dataclass
class S3Server:
    """moto's S3-compatible server (``moto[server]``, a dev dependency), in memory."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        terminate(self.process)


def start_s3() -> S3Server:
    import sys
    import urllib.request

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = S3Server(port=port, process=process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/moto-api/", timeout=1):
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise ServerUnavailable(f"moto S3 server did not start on port {port}") from None
            time.sleep(0.1)
