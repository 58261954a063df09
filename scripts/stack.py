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
  AGENT_DRAIN_TIMEOUT_S=30 (on Ctrl-C the agent takes no new call and gives running ones this
                          long to end, then sends their last writes; the stack waits that
                          plus AGENT_STOP_MARGIN_S before it kills it. A second Ctrl-C kills
                          everything at once)
  VA_AGENT_WORKERS=1 (agent worker processes, sharing the box's cap AGENT_MAX_SESSIONS: each
                      is told it is worker i of N, AGENT_WORKER_INDEX/AGENT_WORKERS, and
                      takes its share; worker i's health on AGENT_HEALTH_PORT + i - 1, /metrics
                      on the first only, at AGENT_METRICS_PORT)
  VA_MODEL_HOST=on   (off: no model host, for an agent whose STT, LLM and TTS are all remote,
                      e.g. AGENT_LLM__PROVIDER=openai; a local provider then loads its own copy)
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

import json
import os
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervisor import ROOT, Supervisor, busy_ports, pid_alive, private_dir


def _env_port(name: str, default: int, *, allow_off: bool = False) -> int:
    raw = os.environ.get(name, str(default))
    low = 0 if allow_off else 1
    if not raw.isdigit() or not low <= int(raw) < 65536:
        sys.exit(f"stack: {name}={raw!r} is not a port number ({low}-65535)")
    return int(raw)


def _env_seconds(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= 86_400:
        sys.exit(f"stack: {name}={raw!r} is not a number of seconds (1-86400)")
    return int(raw)


def _env_stun() -> tuple[str, ...]:
    raw = os.environ.get("LIVEKIT_STUN_SERVERS", "")
    servers = tuple(part.strip() for part in raw.split(",") if part.strip())
    for server in servers:
        host, _, port = server.rpartition(":")
        if not host or not port.isdigit() or any(c in server for c in " \"'[]{}#"):
            sys.exit(f"stack: LIVEKIT_STUN_SERVERS: {server!r} is not host:port")
    return servers


def _env_switch(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "on" if default else "off").strip().lower()
    if raw not in {"on", "off", "1", "0", "true", "false"}:
        sys.exit(f"stack: {name}={raw!r}: use on or off")
    return raw in {"on", "1", "true"}


def _env_count(name: str, default: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= high:
        sys.exit(f"stack: {name}={raw!r} is not a whole number from 1 to {high}")
    return int(raw)


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
    model_host: bool = field(default_factory=lambda: _env_switch("VA_MODEL_HOST", True))
    agent_workers: int = field(default_factory=lambda: _env_count("VA_AGENT_WORKERS", 1, 16))
    state_dir: Path = field(default_factory=lambda: _env_path("VA_STATE_DIR", ".run"))
    data_dir: Path = field(default_factory=lambda: _env_path("VA_DATA_DIR", ".data"))
    livekit_bin: Path = field(
        default_factory=lambda: _env_path("LIVEKIT_SERVER_BIN", ".tools/bin/livekit-server")
    )
    model_dir: Path = field(default_factory=lambda: _env_path("AGENT_MODEL_DIR", ".data/models"))
    stun_servers: tuple[str, ...] = field(default_factory=_env_stun)
    # a local stack: running calls get half a minute on Ctrl-C (the worker's own default is
    # an hour, for Kubernetes)
    agent_drain_s: int = field(default_factory=lambda: _env_seconds("AGENT_DRAIN_TIMEOUT_S", 30))

    @property
    def agent_health_ports(self) -> tuple[int, ...]:
        """Worker i's health port (i from 1): AGENT_HEALTH_PORT + i - 1."""
        return tuple(range(self.agent_health_port, self.agent_health_port + self.agent_workers))

    @property
    def secrets_file(self) -> Path:
        return self.data_dir / "secrets.env"

    @property
    def database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or f"sqlite:///{self.data_dir / 'backend.db'}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}/"


SECRET_NAMES = (
    "LIVEKIT_API_KEY",
    "LIVEKIT_API_SECRET",
    "AGENT_SERVICE_TOKEN",
    "BACKEND_JOB_CREDENTIAL_SECRET",
)
# the backend's alone: it signs the agent jobs' credentials, so no agent process may hold it
BACKEND_ONLY = ("BACKEND_JOB_CREDENTIAL_SECRET",)
# names added after the first secrets.env files were written: generated into an old file
ADDED_LATER = ("BACKEND_JOB_CREDENTIAL_SECRET",)


def _generate(name: str) -> str:
    return "va" + secrets.token_hex(6) if name == "LIVEKIT_API_KEY" else secrets.token_urlsafe(32)


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """LiveKit key/secret, the agent's backend token and the backend's job-credential
    secret, generated (mode 600) on first use; a name added later is added to an old file."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if path.is_file():
        values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        original = [n for n in SECRET_NAMES if n not in ADDED_LATER]
        if not all(values.get(n) for n in original) or len(values["LIVEKIT_API_SECRET"]) < 32:
            sys.exit(f"stack: {path} is damaged (needs {', '.join(SECRET_NAMES)}): delete it")
        added = {n: _generate(n) for n in ADDED_LATER if not values.get(n)}
        if added:
            text = path.read_text()
            lines = "".join(f"{k}={v}\n" for k, v in added.items())
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            with os.fdopen(fd, "a") as f:
                f.write(("" if not text or text.endswith("\n") else "\n") + lines)
            print(f"stack: added {', '.join(added)} to {shown}", flush=True)
            values.update(added)
        return {n: values[n] for n in SECRET_NAMES}
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {n: _generate(n) for n in SECRET_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in values.items())
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
    # livekit-server sends a worker jobs only while its load (its calls over its cap:
    # capacity.WorkerLoad) is under ``agents.target_load``; at the default 0.7 a worker with
    # 3 of 4 calls got no fourth, and the call's dispatch was dropped without a word
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
agents:
  target_load: 1.0  # jobs up to the worker's own cap (the default 0.7 sent none past 3 of 4)
logging:
  level: warn
"""


STOP_ORDER = ("agent", "backend", "model-host", "livekit")


class Stack(Supervisor):
    def __init__(self, cfg: Config) -> None:
        super().__init__(cfg.state_dir, STOP_ORDER)
        self.cfg = cfg
        self.pid_file = cfg.state_dir / "stack.pid"

    # -- checks -------------------------------------------------------------------------
    def check_not_running(self) -> None:
        if self.pid_file.is_file():
            pid = int(self.pid_file.read_text().strip() or 0)
            if pid and pid != os.getpid() and pid_alive(pid):
                print(f"stack: already running (pid {pid}); open {self.cfg.url}", flush=True)
                print(f"stack: stop it with Ctrl-C in its terminal, or `kill {pid}`", flush=True)
                sys.exit(0)

    def preflight(self) -> None:
        cfg = self.cfg
        self.check_not_running()
        check_livekit_bin(cfg.livekit_bin)
        ports = stack_ports(cfg)
        check_distinct(ports)
        busy = busy_ports(ports)
        if busy:
            sys.exit(
                "stack: in use by another program: " + ", ".join(busy) + ". Stop that program, "
                "or choose free ports, e.g. `BACKEND_PORT=8010 make run`"
            )

    # -- processes ----------------------------------------------------------------------
    def start(self) -> None:
        cfg = self.cfg
        private_dir(cfg.state_dir)
        private_dir(cfg.data_dir)
        creds = load_or_create_secrets(cfg.secrets_file)
        lk_config = write_private(
            cfg.state_dir / "livekit.yaml",
            livekit_yaml(cfg, creds["LIVEKIT_API_KEY"], creds["LIVEKIT_API_SECRET"]),
        )
        self.pid_file.write_text(str(os.getpid()))

        model_host = f"http://127.0.0.1:{cfg.model_host_port}" if cfg.model_host else None
        env = service_env(creds, cfg.model_dir, model_host)
        env.update(
            LIVEKIT_URL=f"ws://127.0.0.1:{cfg.livekit_port}",
            DATABASE_URL=cfg.database_url,
            AGENT_BACKEND_URL=f"http://127.0.0.1:{cfg.backend_port}",
            BACKEND_PORT=str(cfg.backend_port),
            AGENT_HEALTH_PORT=str(cfg.agent_health_port),
            AGENT_METRICS_PORT=str(cfg.agent_metrics_port),
            AGENT_METRICS_DIR=str(cfg.state_dir / "agent-metrics"),
            # transcript writes wait here until the backend has them (kept across runs)
            AGENT_JOURNAL__DIR=str(cfg.data_dir / "agent-journal"),
            BACKEND_RECORDING_DIR=os.environ.get(
                "BACKEND_RECORDING_DIR", str(cfg.data_dir / "recordings")
            ),
            AGENT_MODEL_HOST__PORT=str(cfg.model_host_port),
            AGENT_DRAIN_TIMEOUT_S=str(cfg.agent_drain_s),
        )

        # the models load while the rest starts (the agent waits for them)
        if model_host:
            self.spawn(
                "model-host", [sys.executable, "-m", "voice_agent.model_host"], env, echo=True
            )
        self.spawn("livekit", [str(cfg.livekit_bin), "--config", str(lk_config)], env, echo=True)
        self.wait_for("livekit-server", f"http://127.0.0.1:{cfg.livekit_port}/", 30)
        self.spawn("backend", [sys.executable, "-m", "app"], backend_env(env, creds), echo=True)
        workers = agent_workers(cfg, env)
        for name, own in workers.items():
            self.spawn(name, AGENT_ARGV, own, echo=True, **agent_stop(cfg.agent_drain_s))
        self.wait_for("backend", f"http://127.0.0.1:{cfg.backend_port}/api/health", 60)
        if model_host:
            self.wait_for("model host (loading the models)", f"{model_host}/health", 300)
        for name, own in workers.items():
            self.wait_for(name, f"http://127.0.0.1:{own['AGENT_HEALTH_PORT']}/", 180)
            self.wait_for_agent(name)
        print(
            f"\nstack: ready. Open {cfg.url} and press Connect. Ctrl-C stops everything.\n"
            f"stack: metrics at http://127.0.0.1:{cfg.agent_metrics_port}/metrics (agent) and "
            f"{cfg.url}metrics (backend)\n",
            flush=True,
        )

    def wait_for_agent(self, name: str) -> None:
        """Registered, its models warm, and known to the backend (which admits calls only once
        it knows an agent can take them)."""
        for what, marker, timeout in (
            ("registration with livekit-server", "registered worker", 60),
            # "process initialized" or, with jobs as threads, "job runner initialized"
            ("models to load and warm up", "initialized", 300),
            ("capacity report to the backend", "capacity reported", 60),
        ):
            self.wait_for_log(name, f"{name} {what}", marker, timeout)

    def stop(self) -> None:
        super().stop()
        self.pid_file.unlink(missing_ok=True)


AGENT_ARGV = [sys.executable, "-m", "voice_agent.main", "start"]
AGENT_MARKERS = ("registered worker", "initialized", "capacity reported")
# after the drain: the job processes' shutdown (the framework gives each 10 s) and the
# worker's last sending of writes (twice AGENT_BACKEND_TIMEOUT_S); like the Helm chart's
# drainMarginSeconds
AGENT_STOP_MARGIN_S = 30


def agent_stop(drain_s: int) -> dict[str, Any]:
    """The spawn options of an agent worker: its markers, and a stop that waits for its drain.
    SIGTERM reaches the worker alone: it drains, then stops its job processes and their
    forkserver itself (signalled too, the forkserver exited first and the worker logged every
    job process as an error, exit code 255)."""
    return {
        "markers": AGENT_MARKERS,
        "stop_timeout_s": float(drain_s + AGENT_STOP_MARGIN_S),
        "stop_note": f"letting running calls end (at most {drain_s}s) and sending their writes",
        "term_leader_only": True,
    }


def agent_workers(cfg: Config, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each agent worker's name and environment: worker i of N, which takes its share of the
    box's cap (voice_agent.capacity), its health on AGENT_HEALTH_PORT + i - 1, /metrics on
    the first only (the others' job processes are not in it)."""
    workers = {}
    for i, port in enumerate(cfg.agent_health_ports, start=1):
        own = dict(
            env,
            AGENT_WORKERS=str(cfg.agent_workers),
            AGENT_WORKER_INDEX=str(i),
            AGENT_HEALTH_PORT=str(port),
        )
        if i > 1:
            own["AGENT_METRICS_PORT"] = "0"
        workers["agent" if i == 1 else f"agent-{i}"] = own
    return workers


def stack_ports(cfg: Config) -> list[tuple[str, int, int]]:
    """Every port the stack listens on, named for the setting that moves it."""
    tcp, udp = socket.SOCK_STREAM, socket.SOCK_DGRAM
    first, *others = cfg.agent_health_ports
    return [
        ("LIVEKIT_PORT", cfg.livekit_port, tcp),
        ("LIVEKIT_RTC_TCP_PORT", cfg.rtc_tcp_port, tcp),
        ("LIVEKIT_RTC_UDP_PORT", cfg.rtc_udp_port, udp),
        ("BACKEND_PORT", cfg.backend_port, tcp),
        ("AGENT_HEALTH_PORT", first, tcp),
        *((f"AGENT_HEALTH_PORT + {i} (agent-{i + 1})", p, tcp) for i, p in enumerate(others, 1)),
        ("AGENT_METRICS_PORT", cfg.agent_metrics_port, tcp),
        *([("MODEL_HOST_PORT", cfg.model_host_port, tcp)] if cfg.model_host else []),
    ]


def check_distinct(ports: list[tuple[str, int, int]]) -> None:
    """No port of the stack twice (the agent workers' health ports follow AGENT_HEALTH_PORT)
    nor past 65535."""
    seen: dict[tuple[int, int], str] = {}
    for name, port, kind in ports:
        if port > 65535:
            sys.exit(f"stack: {name} would be {port}, past 65535: lower AGENT_HEALTH_PORT")
        if port and (port, kind) in seen:
            sys.exit(
                f"stack: {name} and {seen[port, kind]} are both {port}: choose another "
                "port, or fewer VA_AGENT_WORKERS (worker i's health is on AGENT_HEALTH_PORT + "
                "i - 1)"
            )
        seen[port, kind] = name


def check_livekit_bin(path: Path) -> None:
    if not path.is_file():
        sys.exit(
            f"stack: livekit-server not found at {path}: run `make install` (it "
            "builds it: `go install github.com/livekit/livekit-server/cmd/server@v1.13.5`)"
        )


def write_private(path: Path, text: str) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def service_env(creds: dict[str, str], model_dir: Path, model_host: str | None) -> dict[str, str]:
    """The environment every service of the stack shares: this one's, the secrets but the
    backend's own, the models (and the model host's address, unless there is none)."""
    env = {k: v for k, v in os.environ.items() if k not in BACKEND_ONLY}
    env.update(
        **{k: v for k, v in creds.items() if k not in BACKEND_ONLY},
        BACKEND_HOST="127.0.0.1",
        AGENT_MODEL_DIR=str(model_dir),
        PYTHONUNBUFFERED="1",
    )
    if model_host is not None:
        env["AGENT_MODEL_HOST__URL"] = model_host
    env.pop("LIVEKIT_INFERENCE_URL", None)
    return env


def backend_env(env: dict[str, str], creds: dict[str, str]) -> dict[str, str]:
    """A backend's environment: the shared one and the secrets only the backend holds."""
    return {**env, **{k: creds[k] for k in BACKEND_ONLY}}


def main() -> None:
    os.umask(0o077)  # every file the stack and its children create is the user's alone
    stack = Stack(Config())
    stack.preflight()
    stack.run_until_signal(stack.start)


if __name__ == "__main__":
    main()
