"""Synthetic /metrics snapshots of the agent and the backend, for tests and a demo render.

    python bench/observability/synthetic_snapshots.py OUT_DIR [--rounds 36] [--step 5]

Uses prometheus_client with the names and labels of docs/metrics.md and simulates a few
conversations (seeded, so every run writes the same numbers). Real recordings come from
record_metrics.py against `make run`.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metric_snapshots import snapshot_name  # noqa: E402

BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
START_S = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so renders are reproducible
LOCAL = {"stt": "moonshine-tiny-en", "llm": "qwen2.5-coder-0.5b-q4", "tts": "piper-joe-medium"}


class AgentMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        pm = ["provider", "model"]
        self.stt = Histogram("va_agent_stt_duration_seconds", "", pm, buckets=BUCKETS, registry=r)
        self.eou = Histogram("va_agent_eou_delay_seconds", "", buckets=BUCKETS, registry=r)
        self.ttft = Histogram("va_agent_llm_ttft_seconds", "", pm, buckets=BUCKETS, registry=r)
        self.ttfb = Histogram("va_agent_tts_ttfb_seconds", "", pm, buckets=BUCKETS, registry=r)
        self.e2e = Histogram("va_agent_e2e_latency_seconds", "", buckets=BUCKETS, registry=r)
        self.turns = Counter("va_agent_turns", "", ["interrupted"], registry=r)
        self.tokens = Counter("va_agent_llm_tokens", "", [*pm, "direction"], registry=r)
        self.chars = Counter("va_agent_tts_characters", "", pm, registry=r)
        self.audio = Counter("va_agent_stt_audio_seconds", "", pm, registry=r)
        self.errors = Counter("va_agent_errors", "", ["source", "type"], registry=r)
        self.fallbacks = Counter("va_agent_fallbacks", "", ["source", "provider"], registry=r)
        self.active = Gauge("va_agent_active_sessions", "", registry=r)
        self.session = Histogram(
            "va_agent_session_duration_seconds", "", buckets=(30, 60, 120, 300, 600), registry=r
        )


class BackendMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter(
            "va_backend_http_requests", "", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "va_backend_http_request_duration_seconds",
            "",
            ["method", "route"],
            buckets=BUCKETS,
            registry=r,
        )
        self.tokens = Counter("va_backend_tokens_issued", "", registry=r)
        self.token_time = Histogram(
            "va_backend_token_issue_duration_seconds", "", buckets=BUCKETS, registry=r
        )
        self.db = Histogram(
            "va_backend_db_query_duration_seconds", "", ["operation"], buckets=BUCKETS, registry=r
        )
        self.messages = Counter("va_backend_messages_ingested", "", registry=r)
        self.client_e2e = Histogram(
            "va_backend_client_e2e_latency_seconds", "", buckets=BUCKETS, registry=r
        )
        self.active = Gauge("va_backend_active_sessions", "", registry=r)
        self.webhooks = Counter("va_backend_webhook_events", "", ["event", "outcome"], registry=r)

    def request(self, rng: random.Random, method: str, route: str, status: str) -> None:
        self.requests.labels(method, route, status).inc()
        self.latency.labels(method, route).observe(rng.uniform(0.004, 0.06))
        self.db.labels("select" if method == "GET" else "insert").observe(rng.uniform(0.001, 0.02))


def simulate_round(
    rng: random.Random, agent: AgentMetrics, backend: BackendMetrics, i: int
) -> None:
    """One poll interval: sessions start and end, users speak, the agent answers."""
    if i % 12 == 0:  # a user connects: token, session, webhooks
        backend.tokens.inc()
        backend.token_time.observe(rng.uniform(0.01, 0.05))
        backend.request(rng, "POST", "/api/token", "200")
        backend.webhooks.labels("room_started", "accepted").inc()
        backend.webhooks.labels("participant_joined", rng.choice(["accepted", "duplicate"])).inc()
        agent.active.inc()
        backend.active.inc()
    if i % 12 == 10 and i > 12:  # one conversation ends
        agent.session.observe(rng.uniform(45, 110))
        agent.active.dec()
        backend.active.dec()
    local = {kind: ("local", model) for kind, model in LOCAL.items()}
    for _ in range(rng.randint(1, 2)):  # a spoken turn
        stt, eou = rng.uniform(0.08, 0.25), rng.uniform(0.15, 0.35)
        ttft, ttfb = rng.uniform(0.2, 0.6), rng.uniform(0.1, 0.3)
        agent.stt.labels(*local["stt"]).observe(stt)
        agent.eou.observe(eou)
        agent.ttft.labels(*local["llm"]).observe(ttft)
        agent.ttfb.labels(*local["tts"]).observe(ttfb)
        agent.e2e.observe(eou + ttft + ttfb)
        backend.client_e2e.observe(eou + ttft + ttfb + rng.uniform(0.05, 0.15))
        agent.turns.labels(str(rng.random() < 0.15).lower()).inc()
        agent.tokens.labels(*local["llm"], "input").inc(rng.randint(180, 420))
        agent.tokens.labels(*local["llm"], "output").inc(rng.randint(15, 60))
        agent.chars.labels(*local["tts"]).inc(rng.randint(60, 240))
        agent.audio.labels(*local["stt"]).inc(rng.uniform(1.5, 4.0))
        backend.messages.inc(2)
        route = "/api/agent/conversations/{conversation_id}/messages"
        backend.request(rng, "POST", route, "201")
    backend.request(rng, "GET", "/api/health", "200")
    if i % 9 == 4:
        agent.errors.labels("llm", "timeout").inc()
        agent.fallbacks.labels("llm", "openai").inc()
    if i % 14 == 7:
        agent.errors.labels("backend", "connection").inc()
        backend.request(rng, "POST", "/api/token", "503")


def write_snapshots(out: Path, rounds: int = 36, step_s: float = 5.0, seed: int = 7) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    agent, backend = AgentMetrics(), BackendMetrics()
    for i in range(rounds):
        simulate_round(rng, agent, backend, i)
        now = START_S + i * step_s
        (out / snapshot_name(now, "agent")).write_bytes(generate_latest(agent.registry))
        (out / snapshot_name(now, "backend")).write_bytes(generate_latest(backend.registry))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=36)
    parser.add_argument("--step", type=float, default=5.0, help="seconds between snapshots")
    args = parser.parse_args()
    write_snapshots(args.out, args.rounds, args.step)
    print(f"wrote {args.rounds} rounds of agent and backend snapshots to {args.out}")


if __name__ == "__main__":
    main()
