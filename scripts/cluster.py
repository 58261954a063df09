"""LiveKit's own multi-node mode on one machine: `make run-cluster`.

Two livekit-server nodes sharing Redis (each room lives on one node, chosen by the node with
the fewest rooms; a participant may signal through either node), two backend replicas on one
PostgreSQL and that Redis, and two agent workers, one registered with each node, sharing one
model host (each takes half its slots). Every part is the one a real cluster runs; only the
machines are one. Stdlib only; supervised like `make run` (scripts/supervisor.py).

Settings (environment):
  VA_CLUSTER_PORT=7900   the first of the ports used (loopback only):
      +0/+1 node a signal/UDP media   +2/+3 node b   +10 backend a (the web page)  +11 backend b
      +20 model host   +30/+31 worker a health/metrics   +32/+33 worker b   +40 Redis
      +41 PostgreSQL
  DATABASE_URL=          a PostgreSQL to use; unset, one is started (data kept across runs, in
                         VA_CLUSTER_PG_DIR; as root the postgres account owns it, so it lives in
                         that account's home)
  AGENT_MODEL_HOST__SLOTS=4   LLM slots of the model host, split between the two workers
  VA_STATE_DIR=.run/cluster   logs and generated configs;  VA_DATA_DIR=.data (secrets)
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from stack import (
    AGENT_ARGV,
    Config,
    Stack,
    agent_stop,
    backend_env,
    check_livekit_bin,
    livekit_yaml,
    load_or_create_secrets,
    service_env,
    write_private,
)
from supervisor import ROOT, busy_ports, private_dir

NODES = ("a", "b")
STOP_ORDER = ("agent", "backend", "model-host", "livekit", "redis", "postgres")


def _env_int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        sys.exit(f"cluster: {name}={raw!r} must be a whole number from {low} to {high}")
    return int(raw)


def _pg_run_as() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as the postgres account (or nobody)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    sys.exit("cluster: running as root, and neither a postgres nor a nobody account exists")


def _default_pg_dir(data_dir: Path) -> Path:
    user = _pg_run_as()
    if user is None:
        return data_dir / "cluster-postgres"
    # the data folder is private to root; the server's files must be its account's
    home = Path(pwd.getpwnam(user).pw_dir)
    tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    return home / f"voice-assistant-cluster-{tag}"


@dataclass(frozen=True)
class ClusterConfig:
    base: int = field(default_factory=lambda: _env_int("VA_CLUSTER_PORT", 7900, 1024, 65400))
    slots: int = field(default_factory=lambda: _env_int("AGENT_MODEL_HOST__SLOTS", 4, 2, 64))
    stack: Config = field(
        default_factory=lambda: dataclasses.replace(
            Config(), state_dir=Path(os.environ.get("VA_STATE_DIR") or ROOT / ".run" / "cluster")
        )
    )
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", ""))
    pg_dir: Path = field(
        default_factory=lambda: Path(os.environ["VA_CLUSTER_PG_DIR"])
        if os.environ.get("VA_CLUSTER_PG_DIR")
        else _default_pg_dir(Config().data_dir)
    )

    def node(self, i: int) -> Config:
        """node i's livekit-server, backend and agent ports, as the one-box stack names them."""
        return dataclasses.replace(
            self.stack,
            livekit_port=self.base + 2 * i,
            rtc_udp_port=self.base + 2 * i + 1,
            rtc_tcp_port=0,
            backend_port=self.base + 10 + i,
            agent_health_port=self.base + 30 + 2 * i,
            agent_metrics_port=self.base + 31 + 2 * i,
            model_host_port=self.base + 20,
        )

    @property
    def redis_port(self) -> int:
        return self.base + 40

    @property
    def pg_port(self) -> int:
        return self.base + 41

    @property
    def pg_url(self) -> str:
        return self.database_url or (
            f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/postgres"
        )


def cluster_livekit_yaml(node: Config, name: str, redis_port: int, key: str, secret: str) -> str:
    """The one-box config plus the shared Redis, a region naming the node, and a selector
    that puts each new room on the node with the fewest rooms."""
    return livekit_yaml(node, key, secret) + (
        f"redis:\n  address: 127.0.0.1:{redis_port}\n"
        f"region: node-{name}\n"
        "node_selector:\n  kind: any\n  sort_by: rooms\n  algorithm: lowest\n"
    )


def postgres_bin_dir() -> Path:
    if found := shutil.which("postgres"):
        return Path(found).resolve().parent
    # Debian keeps the server tools off PATH, one folder per major version
    found_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), reverse=True)
    if not found_dirs:
        sys.exit("cluster: PostgreSQL not found: run `make install-cluster` (Debian postgresql)")
    return found_dirs[0].parent


class Cluster(Stack):
    def __init__(self, cfg: ClusterConfig) -> None:
        super().__init__(cfg.node(0))
        self.stop_order = STOP_ORDER
        self.cluster = cfg

    def preflight(self) -> None:
        cfg = self.cluster
        self.check_not_running()
        check_livekit_bin(cfg.stack.livekit_bin)
        if not shutil.which("redis-server"):
            sys.exit("cluster: redis-server not found: run `make install-cluster`")
        ports = [("REDIS", cfg.redis_port, socket.SOCK_STREAM)]
        if not cfg.database_url:
            ports.append(("POSTGRES", cfg.pg_port, socket.SOCK_STREAM))
        for i, name in enumerate(NODES):
            node = cfg.node(i)
            ports += [
                (f"node {name} signal", node.livekit_port, socket.SOCK_STREAM),
                (f"node {name} media", node.rtc_udp_port, socket.SOCK_DGRAM),
                (f"backend {name}", node.backend_port, socket.SOCK_STREAM),
                (f"worker {name} health", node.agent_health_port, socket.SOCK_STREAM),
                (f"worker {name} metrics", node.agent_metrics_port, socket.SOCK_STREAM),
            ]
        ports.append(("model host", cfg.node(0).model_host_port, socket.SOCK_STREAM))
        if busy := busy_ports(ports):
            sys.exit(
                "cluster: in use by another program: " + ", ".join(busy) + ". Stop that "
                "program, or move the cluster's ports: `VA_CLUSTER_PORT=17900 make run-cluster`"
            )

    def start(self) -> None:
        cfg = self.cluster
        state = cfg.stack.state_dir
        private_dir(state)
        private_dir(cfg.stack.data_dir)
        self.pid_file.write_text(str(os.getpid()))
        creds = load_or_create_secrets(cfg.stack.secrets_file)
        model_host = f"http://127.0.0.1:{cfg.node(0).model_host_port}"
        env = service_env(creds, cfg.stack.model_dir, model_host)
        env.update(
            DATABASE_URL=cfg.pg_url,
            REDIS_URL=f"redis://127.0.0.1:{cfg.redis_port}/0",
            AGENT_MODEL_HOST__PORT=str(cfg.node(0).model_host_port),
            AGENT_MODEL_HOST__SLOTS=str(cfg.slots),
            AGENT_DRAIN_TIMEOUT_S=str(cfg.stack.agent_drain_s),
        )

        self.spawn("model-host", [sys.executable, "-m", "voice_agent.model_host"], env, True)
        self.start_redis(env)
        if not cfg.database_url:
            self.start_postgres(env)
        for i, name in enumerate(NODES):
            node = cfg.node(i)
            yaml = cluster_livekit_yaml(
                node, name, cfg.redis_port, creds["LIVEKIT_API_KEY"], creds["LIVEKIT_API_SECRET"]
            )
            config = write_private(state / f"livekit-{name}.yaml", yaml)
            argv = [str(node.livekit_bin), "--config", str(config)]
            self.spawn(f"livekit-{name}", argv, env, True)
        for i, name in enumerate(NODES):
            self.wait_for(f"node {name}", f"http://127.0.0.1:{cfg.node(i).livekit_port}/", 30)
        # one replica at a time: the first migrates the database, the second finds it migrated
        for i, name in enumerate(NODES):
            node = cfg.node(i)
            backend = backend_env(self.node_env(env, i), creds)
            self.spawn(f"backend-{name}", [sys.executable, "-m", "app"], backend, True)
            self.wait_for(f"backend {name}", f"http://127.0.0.1:{node.backend_port}/api/health", 60)
        for i, name in enumerate(NODES):
            agent_env = self.node_env(env, i)
            drain_s = cfg.stack.agent_drain_s
            self.spawn(f"agent-{name}", AGENT_ARGV, agent_env, True, **agent_stop(drain_s))
        self.wait_for("model host (loading the models)", f"{model_host}/health", 300)
        for name in NODES:
            self.wait_for_agent(f"agent-{name}")
        a, b = cfg.node(0), cfg.node(1)
        print(
            f"\ncluster: ready. Open {a.url} (or {b.url}) and press Connect. Ctrl-C stops "
            f"everything.\ncluster: livekit-server nodes ws://127.0.0.1:{a.livekit_port} and "
            f"ws://127.0.0.1:{b.livekit_port} share Redis 127.0.0.1:{cfg.redis_port}; logs in "
            f"{state / 'logs'}\n",
            flush=True,
        )

    def node_env(self, env: dict[str, str], i: int) -> dict[str, str]:
        """Backend i talks to node i (and gets its webhooks); worker i registers with node i,
        reports to backend i and takes its share of the model host's slots."""
        node = self.cluster.node(i)
        return {
            **env,
            "LIVEKIT_URL": f"ws://127.0.0.1:{node.livekit_port}",
            "BACKEND_PORT": str(node.backend_port),
            "AGENT_BACKEND_URL": f"http://127.0.0.1:{node.backend_port}",
            "AGENT_HEALTH_PORT": str(node.agent_health_port),
            "AGENT_METRICS_PORT": str(node.agent_metrics_port),
            "AGENT_METRICS_DIR": str(node.state_dir / f"agent-{NODES[i]}-metrics"),
            "AGENT_JOURNAL__DIR": str(node.data_dir / f"cluster-journal-{NODES[i]}"),
            "AGENT_MAX_SESSIONS": str(self.cluster.slots // len(NODES)),
        }

    def start_redis(self, env: dict[str, str]) -> None:
        folder = self.cluster.stack.state_dir / "redis"
        private_dir(folder)
        port = str(self.cluster.redis_port)
        argv = ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(folder), "--loglevel", "warning"]
        self.spawn("redis", argv, env, True)
        self.wait_until("Redis", lambda: redis_ping(self.cluster.redis_port), 30)

    def start_postgres(self, env: dict[str, str]) -> None:
        cfg = self.cluster
        bin_dir = postgres_bin_dir()
        user = _pg_run_as()
        as_user = ["runuser", "-u", user, "--"] if user else []
        data = cfg.pg_dir / "data"
        if not (data / "PG_VERSION").is_file():
            print(f"cluster: creating the PostgreSQL database in {data}", flush=True)
            cfg.pg_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if user:
                entry = pwd.getpwnam(user)
                os.chown(cfg.pg_dir, entry.pw_uid, entry.pw_gid)
            initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres"]
            initdb += ["--auth=trust", "-E", "UTF8", "--locale=C"]
            done = subprocess.run(as_user + initdb, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"cluster: initdb failed: {done.stderr.strip()}")
        server = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(cfg.pg_port)]
        server += ["-c", "listen_addresses=127.0.0.1", "-k", str(data)]
        self.spawn("postgres", as_user + server, env, True)
        ready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(cfg.pg_port)]
        self.wait_until(
            "PostgreSQL", lambda: subprocess.run(ready, check=False).returncode == 0, 60
        )


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main() -> None:
    os.umask(0o077)
    cluster = Cluster(ClusterConfig())
    cluster.preflight()
    cluster.run_until_signal(cluster.start)


if __name__ == "__main__":
    main()
