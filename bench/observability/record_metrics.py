"""Record /metrics snapshots of the running stack, for render_dashboard.py.

    python bench/observability/record_metrics.py --out .run/observability/snapshots \
        [--target agent=http://127.0.0.1:9464/metrics] \
        [--target backend=http://127.0.0.1:8000/metrics] [--every 5] [--duration 180]

Polls every target once per round and writes ``<unix ms>.<target>.prom`` files (one timestamp
per round). A target that does not answer is reported and skipped for that round. Stops after
--duration seconds (or --count rounds), or on Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metric_snapshots import (
    TARGET_NAME,  # noqa: E402
    snapshot_name,  # noqa: E402
)

DEFAULT_TARGETS = (
    "agent=http://127.0.0.1:9464/metrics",
    "backend=http://127.0.0.1:8000/metrics",
)
Fetch = Callable[[str], bytes]


def fetch_url(url: str, timeout_s: float = 4.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return response.read()


def parse_target(text: str) -> tuple[str, str]:
    name, sep, url = text.partition("=")
    if not sep or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected NAME=http://host:port/metrics, got {text!r}")
    if not TARGET_NAME.match(name):
        raise argparse.ArgumentTypeError(f"target {name!r}: use lowercase letters, digits, - and _")
    return name, url


def record(
    targets: list[tuple[str, str]],
    out: Path,
    every_s: float,
    rounds: int,
    fetch: Fetch = fetch_url,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll `rounds` times; return how many snapshot files were written."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(rounds):
        started = clock()
        for name, url in targets:
            try:
                body = fetch(url)
            except OSError as e:
                print(f"round {index + 1}: {name} ({url}) did not answer: {e}", file=sys.stderr)
                continue
            path = out / snapshot_name(started, name)
            partial = path.with_suffix(".tmp")
            partial.write_bytes(body)
            partial.replace(path)
            written += 1
        if index + 1 < rounds:
            sleep(max(0.0, every_s - (clock() - started)))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--target", type=parse_target, action="append", help="NAME=URL")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between rounds")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--duration", type=float, default=180.0, help="seconds to record")
    group.add_argument("--count", type=int, help="rounds to record")
    args = parser.parse_args()
    targets = args.target or [parse_target(t) for t in DEFAULT_TARGETS]
    rounds = args.count or max(2, int(args.duration // args.every) + 1)
    try:
        written = record(targets, args.out, args.every, rounds)
    except KeyboardInterrupt:
        written = sum(1 for _ in args.out.glob("*.prom"))
    print(f"{written} snapshots in {args.out}")


if __name__ == "__main__":
    main()
