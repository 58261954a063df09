"""Between two rungs: wait until every agent worker is idle, so that the next rung's callers
do not find calls of the last one still taken.

Each worker answers on its own health port (scripts/stack.py: worker i of N on
AGENT_HEALTH_PORT + i - 1); its ``/worker`` endpoint says its load, 0 once it runs no job.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable

REPORT_INTERVAL_S = 2.5  # voice_agent.capacity: how often a worker reports to the backend


def worker_urls(first_health_port: int, workers: int) -> list[str]:
    """Every worker's ``/worker`` endpoint, the first on ``first_health_port``."""
    return [f"http://127.0.0.1:{first_health_port + i}/worker" for i in range(workers)]


def worker_load(url: str) -> float | None:
    """The worker's load (0 idle .. 1 full), or None while it does not answer (restarting)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    # WorkerInfo as proto3 JSON: a zero load (an idle worker) is left out
    load = body.get("worker_load", 0.0)
    return float(load) if isinstance(load, int | float) else None


async def wait_idle(
    urls: list[str],
    *,
    read_load: Callable[[str], float | None] = worker_load,
    timeout_s: float = 90,
    poll_s: float = 1.0,
    settle_s: float = REPORT_INTERVAL_S + 0.5,
) -> list[str]:
    """Until every worker's load is 0, then ``settle_s`` more (its next report tells the
    backend). Returns [] once they are, else the workers still busy or silent at
    ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        loads = await asyncio.gather(*(asyncio.to_thread(read_load, url) for url in urls))
        busy = [url for url, load in zip(urls, loads, strict=True) if load != 0]
        if not busy:
            await asyncio.sleep(settle_s)
            return []
        if time.monotonic() >= deadline:
            return busy
        await asyncio.sleep(poll_s)
