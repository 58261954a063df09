"""Start the whole stack on loopback: livekit-server, backend (serving the web page), agent.

Used by `make run` and by the end-to-end tests (with other ports and state folder).
Stdlib only. One Ctrl-C (SIGINT) or SIGTERM stops every process cleanly. Once the stack is
up, a process that exits is restarted with backoff (the reason is printed, with its log); if
the stack itself is killed, its processes go with it. Runs with umask 077: the state and data
folders are 0700 and every file in them 0600 (existing ones are tightened).

Settings (environment):
  LIVEKIT_PORT=7880  LIVEKIT_RTC_UDP_PORT=7882
  LIVEKIT_RTC_TCP_PORT=0 (ICE over TCP off: livekit-server would listen for it on every
                          interface; set a port to allow it where UDP is blocked)
  BACKEND_PORT=8000  AGENT_HEALTH_PORT=8081  AGENT_METRICS_PORT=9464 (Prometheus /metrics)
  MODEL_HOST_PORT=8090 (the offline models, shared by every call: voice_agent.model_host)
  VA_STATE_DIR=.run  (logs, pid file, generated livekit config)
  VA_DATA_DIR=.data  (kept across runs: secrets.env with the generated LiveKit key/secret and
                      the agent's service token, never committed; backend.db, the SQLite store;
                      agent-journal/, transcript writes the backend has not taken yet)
  LIVEKIT_SERVER_BIN=.tools/bin/livekit-server
  LIVEKIT_STUN_SERVERS=  (comma-separated host:port handed to clients; none = a loopback
                          address that answers nothing, since livekit-server's default is
                          public STUN)
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_port(name: str, default: int, *, allow_off: bool = False) -> int:
    raw = os.environ.get(name, str(default))
    low = 0 if allow_off else 1
    if not raw.isdigit() or not low <= int(raw) < 65536:
        sys.exit(f"stack: {name}={raw!r} is not a port number ({low}-65535)")
    return int(raw)


def _env_stun() -> tuple[str, ...]:
    raw = os.environ.get("LIVEKIT_STUN_SERVERS", "")
    servers = tuple(part.strip() for part in raw.split(",") if part.strip())
    for server in servers:
        host, _, port = server.rpartition(":")
        if not host or not port.isdigit() or any(c in server for c in " \"'[]{}#"):
            sys.exit(f"stack: LIVEKIT_STUN_SERVERS: {server!r} is not host:port")
    return servers


def _env_path(name: str, default: str) -> Path:
    path = Path(os.environ.get(name, default))
    return path if path.is_absolute() else ROOT / path


@dataclass(frozen=True)
class Config:
    livekit_port: int = field(default_factory=lambda: _env_port("LIVEKIT_PORT", 7880))
    rtc_tcp_port: int = field(
        default_factory=lambda: _env_port("LIVEKIT_RTC_TCP_PORT", 0, allow_off=True)
    )
    rtc_udp_port: int = field(default_factory=lambda: _env_port("LIVEKIT_RTC_UDP_PORT", 7882))
    backend_port: int = field(default_factory=lambda: _env_port("BACKEND_PORT", 8000))
    agent_health_port: int = field(default_factory=lambda: _env_port("AGENT_HEALTH_PORT", 8081))
    agent_metrics_port: int = field(default_factory=lambda: _env_port("AGENT_METRICS_PORT", 9464))
    model_host_port: int = field(default_factory=lambda: _env_port("MODEL_HOST_PORT", 8090))
    state_dir: Path = field(default_factory=lambda: _env_path("VA_STATE_DIR", ".run"))
    data_dir: Path = field(default_factory=lambda: _env_path("VA_DATA_DIR", ".data"))
    livekit_bin: Path = field(
        default_factory=lambda: _env_path("LIVEKIT_SERVER_BIN", ".tools/bin/livekit-server")
    )
    model_dir: Path = field(default_factory=lambda: _env_path("AGENT_MODEL_DIR", ".data/models"))
    stun_servers: tuple[str, ...] = field(default_factory=_env_stun)

    @property
    def secrets_file(self) -> Path:
        return self.data_dir / "secrets.env"

    @property
    def database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or f"sqlite:///{self.data_dir / 'backend.db'}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}/"


SECRET_NAMES = ("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "AGENT_SERVICE_TOKEN")


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """LiveKit key/secret and the agent's backend token, generated (mode 600) on first use."""
    if path.is_file():
        values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        if all(values.get(n) for n in SECRET_NAMES) and len(values["LIVEKIT_API_SECRET"]) >= 32:
            return {n: values[n] for n in SECRET_NAMES}
        sys.exit(f"stack: {path} is damaged (needs {', '.join(SECRET_NAMES)}): delete it")
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "LIVEKIT_API_KEY": "va" + secrets.token_hex(6),
        "LIVEKIT_API_SECRET": secrets.token_urlsafe(32),
        "AGENT_SERVICE_TOKEN": secrets.token_urlsafe(32),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in values.items())
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"stack: generated the LiveKit key/secret and agent token in {shown}", flush=True)
    return values


def livekit_yaml(cfg: Config, key: str, secret: str) -> str:
    webhook = f"http://127.0.0.1:{cfg.backend_port}/livekit/webhook"
    # livekit-server hands every client public STUN servers (Google's, Twilio's) unless some
    # are configured: with none set, hand an address on this machine where no UDP server
    # listens (the signal port is TCP), so nothing leaves and the lookup fails at once.
    # Not the media port: a STUN request there made the Python (Rust) client's connection
    # time out ("wait_pc_connection timed out").
    stun = json.dumps(list(cfg.stun_servers or (f"127.0.0.1:{cfg.livekit_port}",)))
    return f"""port: {cfg.livekit_port}
bind_addresses: ["127.0.0.1"]
keys:
  {key}: {secret}
rtc:
  tcp_port: {cfg.rtc_tcp_port}
  udp_port: {cfg.rtc_udp_port}
  interfaces:
    includes: [lo]  # the UDP port on loopback only (else on every interface's address)
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
  stun_servers: {stun}
room:
  auto_create: true
  empty_timeout: 60
  departure_timeout: 10
webhook:
  api_key: {key}
  urls: ["{webhook}"]
logging:
  level: warn
"""


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
    }
    extra = " ".join(f"{k}={v}" for k, v in record.items() if k not in skip)[:200]
    return f"{level:<7} {record.get('message', '')} {extra}".rstrip()


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


MAX_RESTARTS = 5
MAX_BACKOFF_S = 30.0
RESET_AFTER_S = 60.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the stack dies, even by SIGKILL (Linux), so
    no orphan keeps a port and blocks the next `make run`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: children outlive a killed stack, as before


class Stack:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.pid_file = cfg.state_dir / "stack.pid"
        self.seen: dict[str, threading.Event] = {}
        self.specs: dict[str, tuple[list[str], dict[str, str], bool]] = {}
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}

    # -- checks -------------------------------------------------------------------------
    def preflight(self) -> None:
        cfg = self.cfg
        if self.pid_file.is_file():
            pid = int(self.pid_file.read_text().strip() or 0)
            if pid and pid != os.getpid() and pid_alive(pid):
                print(f"stack: already running (pid {pid}); open {cfg.url}", flush=True)
                print(f"stack: stop it with Ctrl-C in its terminal, or `kill {pid}`", flush=True)
                sys.exit(0)
        if not cfg.livekit_bin.is_file():
            sys.exit(
                f"stack: livekit-server not found at {cfg.livekit_bin}: run `make install` (it "
                "builds it: `go install github.com/livekit/livekit-server/cmd/server@v1.13.5`)"
            )
        busy = [
            f"{name} port {port}"
            for name, port, kind in (
                ("LIVEKIT_PORT", cfg.livekit_port, socket.SOCK_STREAM),
                ("LIVEKIT_RTC_TCP_PORT", cfg.rtc_tcp_port, socket.SOCK_STREAM),
                ("LIVEKIT_RTC_UDP_PORT", cfg.rtc_udp_port, socket.SOCK_DGRAM),
                ("BACKEND_PORT", cfg.backend_port, socket.SOCK_STREAM),
                ("AGENT_HEALTH_PORT", cfg.agent_health_port, socket.SOCK_STREAM),
                ("AGENT_METRICS_PORT", cfg.agent_metrics_port, socket.SOCK_STREAM),
                ("MODEL_HOST_PORT", cfg.model_host_port, socket.SOCK_STREAM),
            )
            if port and port_busy(port, kind)
        ]
        if busy:
            sys.exit(
                "stack: in use by another program: " + ", ".join(busy) + ". Stop that program, "
                "or choose free ports, e.g. `BACKEND_PORT=8010 make run`"
            )

    # -- processes ----------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str], env: dict[str, str], echo: bool) -> None:
        log_dir = self.cfg.state_dir / "logs"
        private_dir(log_dir)
        log = os.fdopen(
            os.open(log_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab"
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

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                log.flush()
                text = line.decode(errors="replace")
                for marker, event in self.seen.items():
                    if marker in text:
                        event.set()
                if echo and (shown := compact(text)):
                    sys.stdout.write(f"[{name}] {shown}\n")
                    sys.stdout.flush()
            log.close()

        threading.Thread(target=pump, name=f"pump-{name}", daemon=True).start()

    def start(self) -> None:
        cfg = self.cfg
        private_dir(cfg.state_dir)
        private_dir(cfg.data_dir)
        creds = load_or_create_secrets(cfg.secrets_file)
        key, secret = creds["LIVEKIT_API_KEY"], creds["LIVEKIT_API_SECRET"]
        lk_config = cfg.state_dir / "livekit.yaml"
        fd = os.open(lk_config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(livekit_yaml(cfg, key, secret))
        self.pid_file.write_text(str(os.getpid()))

        model_host = f"http://127.0.0.1:{cfg.model_host_port}"
        env = dict(os.environ)
        env.update(
            LIVEKIT_URL=f"ws://127.0.0.1:{cfg.livekit_port}",
            **creds,
            DATABASE_URL=cfg.database_url,
            AGENT_BACKEND_URL=f"http://127.0.0.1:{cfg.backend_port}",
            BACKEND_HOST="127.0.0.1",
            BACKEND_PORT=str(cfg.backend_port),
            AGENT_HEALTH_PORT=str(cfg.agent_health_port),
            AGENT_METRICS_PORT=str(cfg.agent_metrics_port),
            AGENT_METRICS_DIR=str(cfg.state_dir / "agent-metrics"),
            # transcript writes wait here until the backend has them (kept across runs)
            AGENT_JOURNAL__DIR=str(cfg.data_dir / "agent-journal"),
            AGENT_MODEL_DIR=str(cfg.model_dir),
            AGENT_MODEL_HOST__PORT=str(cfg.model_host_port),
            AGENT_MODEL_HOST__URL=model_host,
            PYTHONUNBUFFERED="1",
        )
        env.pop("LIVEKIT_INFERENCE_URL", None)

        # the models load while the rest starts (the agent waits for them)
        self.spawn("model-host", [sys.executable, "-m", "voice_agent.model_host"], env, echo=True)
        self.spawn("livekit", [str(cfg.livekit_bin), "--config", str(lk_config)], env, echo=True)
        self.wait_for("livekit-server", f"http://127.0.0.1:{cfg.livekit_port}/", 30)
        self.spawn("backend", [sys.executable, "-m", "app"], env, echo=True)
        for marker in ("registered worker", "process initialized", "capacity reported"):
            self.seen[marker] = threading.Event()
        self.spawn("agent", [sys.executable, "-m", "voice_agent.main", "start"], env, echo=True)
        self.wait_for("backend", f"http://127.0.0.1:{cfg.backend_port}/api/health", 60)
        self.wait_for("model host (loading the models)", f"{model_host}/health", 300)
        self.wait_for("agent", f"http://127.0.0.1:{cfg.agent_health_port}/", 180)
        self.wait_for_log("agent registration with livekit-server", "registered worker", 60)
        self.wait_for_log("agent models to load and warm up", "process initialized", 300)
        # the backend admits calls only once it knows an agent can take them
        self.wait_for_log("agent capacity report to the backend", "capacity reported", 60)
        print(
            f"\nstack: ready. Open {cfg.url} and press Connect. Ctrl-C stops everything.\n"
            f"stack: metrics at http://127.0.0.1:{cfg.agent_metrics_port}/metrics (agent) and "
            f"{cfg.url}metrics (backend)\n",
            flush=True,
        )

    def wait_for(self, what: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        print(f"stack: waiting for {what} ({url})", flush=True)
        while time.monotonic() < deadline:
            self.check_children()
            if http_ok(url):
                print(f"stack: {what} is up", flush=True)
                return
            time.sleep(0.25)
        self.stop()
        sys.exit(
            f"stack: {what} did not come up within {timeout:.0f}s; see {self.cfg.state_dir}/logs"
        )

    def wait_for_log(self, what: str, marker: str, timeout: float) -> None:
        event = self.seen[marker]
        deadline = time.monotonic() + timeout
        print(f"stack: waiting for {what}", flush=True)
        while not event.wait(0.25):
            self.check_children()
            if time.monotonic() > deadline:
                self.stop()
                sys.exit(
                    f"stack: {what} not ready within {timeout:.0f}s; see {self.cfg.state_dir}/logs"
                )
        print(f"stack: {what}: done", flush=True)

    def check_children(self) -> None:
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None and not self.stopping:
                self.stop()
                sys.exit(
                    f"stack: {name} exited with code {code}; its log is "
                    f"{self.cfg.state_dir / 'logs' / (name + '.log')}"
                )

    def stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        # one at a time, agent first (it leaves its rooms while livekit-server is still up),
        # then backend, the model host, then livekit-server
        for name in ("agent", "backend", "model-host", "livekit"):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.pid_file.unlink(missing_ok=True)

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
                log = self.cfg.state_dir / "logs" / f"{name}.log"
                if self.failures[name] > MAX_RESTARTS:
                    self.stop()
                    sys.exit(
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
                    self.spawn(name, argv, env, echo)
                    print(f"stack: {name} restarted", flush=True)
            time.sleep(0.25)


def main() -> None:
    os.umask(0o077)  # every file the stack and its children create is the user's alone
    cfg = Config()
    stack = Stack(cfg)
    stack.preflight()

    def on_signal(signum: int, _frame: object) -> None:
        print("\nstack: stopping…", flush=True)
        stack.stop()
        print("stack: stopped", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        stack.supervise()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
