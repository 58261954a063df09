"""Start processes, wait for them, restart the ones that exit, stop them in order.

Shared by `make run` (scripts/stack.py) and `make run-cluster` (scripts/cluster.py). Stdlib
only. Each process writes to `<state>/logs/<name>.log` (0600); chosen lines are echoed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_RESTARTS = 5
MAX_BACKOFF_S = 30.0
RESET_AFTER_S = 60.0
STOP_TIMEOUT_S = 10.0
PR_SET_PDEATHSIG = 1


def compact(line: str) -> str:
    """One short human line from a JSON log line (the agent logs JSON); DEBUG is dropped."""
    line = line.rstrip()
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    level = str(record.get("level", "")).upper()
    if level == "DEBUG":
        return ""
    skip = {
        "message",
        "level",
        "name",
        "pid",
        "timestamp",
        "code.file.path",
        "code.function.name",
        "code.line.number",
        "stack",
        "exc_info",
    }
    extra = " ".join(f"{k}={v}" for k, v in record.items() if k not in skip)[:200]
    # a traceback shows its last line, the exception itself (the whole one is in the log file)
    error = str(record.get("exc_info", "")).strip().splitlines()[-1:]
    parts = [f"{level:<7} {record.get('message', '')}", extra, *error]
    return " ".join(part for part in parts if part).rstrip()


def private_dir(path: Path) -> None:
    """Create `path` (0700), or make an existing one and the files in it private (0700/0600):
    it holds the keys, the database and logs with transcripts."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    for entry in path.iterdir():
        if entry.is_file() and not entry.is_symlink():
            entry.chmod(0o600)


def port_busy(port: int, kind: int = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:  # like the servers do, so TIME_WAIT is not "busy"
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def busy_ports(ports: list[tuple[str, int, int]]) -> list[str]:
    """`NAME port N` for each (name, port, socket kind) some other program holds."""
    return [f"{name} port {port}" for name, port, kind in ports if port and port_busy(port, kind)]


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return 200 <= r.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the stack dies, even by SIGKILL (Linux), so
    no orphan keeps a port and blocks the next `make run`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: children outlive a killed stack, as before


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
        os.killpg(pid, sig)


class Supervisor:
    """The processes of one stack. `stop_order` lists name prefixes: processes are stopped
    one at a time in that order (the rest last, newest first)."""

    def __init__(self, state_dir: Path, stop_order: tuple[str, ...]) -> None:
        self.state_dir = state_dir
        self.stop_order = stop_order
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.seen: dict[tuple[str, str], threading.Event] = {}
        self.specs: dict[str, tuple[list[str], dict[str, str], bool]] = {}
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.stop_timeouts: dict[str, float] = {}
        self.stop_notes: dict[str, str] = {}
        self.term_leader_only: set[str] = set()
        self.forced = False  # a second Ctrl-C: no more waiting

    def log_path(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"

    def spawn(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        echo: bool,
        *,
        markers: tuple[str, ...] = (),
        stop_timeout_s: float = STOP_TIMEOUT_S,
        stop_note: str = "",
        term_leader_only: bool = False,
    ) -> None:
        """Start `name`; each marker's event (see `wait_for_log`) is set once its log shows it.
        On stop it gets `stop_timeout_s` after SIGTERM before SIGKILL (`stop_note`, printed
        then, says what it is doing meanwhile). SIGTERM goes to its whole process group, or
        with `term_leader_only` to it alone: it stops its own children (as Kubernetes
        signals only a container's first process); SIGKILL always takes the group."""
        self.stop_timeouts[name] = stop_timeout_s
        self.stop_notes[name] = stop_note
        if term_leader_only:
            self.term_leader_only.add(name)
        for marker in markers:
            self.seen[(name, marker)] = threading.Event()
        private_dir(self.log_path(name).parent)
        log = os.fdopen(
            os.open(self.log_path(name), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab"
        )
        # its own session (Ctrl-C reaches the stack only, which stops the children in
        # order), yet it goes with the stack if the stack itself is killed
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.procs[name] = proc
        self.specs[name] = (argv, env, echo)
        self.started_at[name] = time.monotonic()
        watched = [(m, e) for (who, m), e in self.seen.items() if who == name]

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                log.flush()
                text = line.decode(errors="replace")
                for marker, event in watched:
                    if marker in text:
                        event.set()
                if echo and (shown := compact(text)):
                    sys.stdout.write(f"[{name}] {shown}\n")
                    sys.stdout.flush()
            log.close()

        threading.Thread(target=pump, name=f"pump-{name}", daemon=True).start()

    def _give_up(self, message: str) -> None:
        self.stop()
        sys.exit(message)

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.check_children()
            if time.monotonic() > deadline:
                self._give_up(
                    f"stack: {what}: not ready within {timeout:.0f}s; see {self.state_dir}/logs"
                )
            time.sleep(0.25)

    def wait_for(self, what: str, url: str, timeout: float) -> None:
        print(f"stack: waiting for {what} ({url})", flush=True)
        self.wait_until(what, lambda: http_ok(url), timeout)
        print(f"stack: {what} is up", flush=True)

    def wait_for_log(self, name: str, what: str, marker: str, timeout: float) -> None:
        print(f"stack: waiting for {what}", flush=True)
        self.wait_until(what, self.seen[(name, marker)].is_set, timeout)
        print(f"stack: {what}: done", flush=True)

    def check_children(self) -> None:
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None and not self.stopping:
                self._give_up(
                    f"stack: {name} exited with code {code}; its log is {self.log_path(name)}"
                )

    def _stop_rank(self, name: str) -> int:
        ranks = [i for i, prefix in enumerate(self.stop_order) if name.startswith(prefix)]
        return ranks[0] if ranks else len(self.stop_order)

    def stop(self) -> None:
        """SIGTERM each process in order and wait for it (its own stop timeout, then SIGKILL).
        Called again while stopping (a second Ctrl-C): kill what is left at once."""
        if self.stopping:
            self.force_stop()
            return
        self.stopping = True
        newest_first = list(reversed(self.procs))
        for name in sorted(newest_first, key=self._stop_rank):
            proc = self.procs[name]
            if proc.poll() is not None:
                continue
            if self.forced:
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                continue
            if name in self.term_leader_only:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
            else:
                _killpg(proc.pid, signal.SIGTERM)
            timeout = self.stop_timeouts.get(name, STOP_TIMEOUT_S)
            if note := self.stop_notes.get(name):
                print(f"stack: {name}: {note} (Ctrl-C again to stop it now)", flush=True)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"stack: {name} did not stop within {timeout:.0f}s: killed", flush=True)
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            _killpg(proc.pid, signal.SIGKILL)  # anything of its group it left behind

    def force_stop(self) -> None:
        """SIGKILL every process still running (their own process groups: job processes too)."""
        if not self.forced:
            print("stack: stopping now", flush=True)
        self.forced = True
        for proc in self.procs.values():
            if proc.poll() is None:
                _killpg(proc.pid, signal.SIGKILL)

    def supervise(self) -> None:
        """Restart a process that exits, after 1, 2, 4… s (at most MAX_BACKOFF_S); one that
        stayed up RESET_AFTER_S starts again from 1 s. After MAX_RESTARTS quick failures in
        a row the stack stops, naming the log."""
        due: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for name, proc in self.procs.items():
                code = proc.poll()
                if code is None or name in due or self.stopping:
                    continue
                if now - self.started_at[name] > RESET_AFTER_S:
                    self.failures[name] = 0
                self.failures[name] = self.failures.get(name, 0) + 1
                log = self.log_path(name)
                if self.failures[name] > MAX_RESTARTS:
                    self._give_up(
                        f"stack: {name} exited with code {code} {MAX_RESTARTS + 1} times in a "
                        f"row; its log is {log}"
                    )
                delay = min(MAX_BACKOFF_S, 2.0 ** (self.failures[name] - 1))
                print(
                    f"stack: {name} exited with code {code}; restarting it in {delay:.0f}s "
                    f"(its log is {log})",
                    flush=True,
                )
                due[name] = now + delay
            for name, at in list(due.items()):
                if now >= at and not self.stopping:
                    del due[name]
                    argv, env, echo = self.specs[name]
                    self.spawn(
                        name,
                        argv,
                        env,
                        echo,
                        stop_timeout_s=self.stop_timeouts[name],
                        stop_note=self.stop_notes[name],
                    )
                    print(f"stack: {name} restarted", flush=True)
            time.sleep(0.25)

    def run_until_signal(self, start: Callable[[], None]) -> None:
        """`start()`, then supervise until SIGINT/SIGTERM, then stop everything."""

        def on_signal(signum: int, _frame: object) -> None:
            if self.stopping:  # a second Ctrl-C, while the first one waits for a process
                self.force_stop()
                return
            print("\nstack: stopping…", flush=True)
            self.stop()
            print("stack: stopped", flush=True)
            sys.exit(0)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            start()
            self.supervise()
        finally:
            self.stop()
