"""The soak's figures and tables, apart from the stack and the callers (so they are testable):
memory growth per process, log lines by level, turns asked and answered, voice-to-voice in the
first and the last tenth of the turns, and the verdict against the targets."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stats import quantile

MIB = 2**20
LEVELS = ("CRITICAL", "ERROR", "WARNING")  # the levels counted (INFO and DEBUG are not errors)
_ALIASES = {"FATAL": "CRITICAL", "PANIC": "CRITICAL", "WARN": "WARNING", "ERR": "ERROR"}
_LEVEL_WORD = re.compile(r"\b(CRITICAL|FATAL|PANIC|ERROR|ERR|WARNING|WARN|INFO|DEBUG)\b")


@dataclass(frozen=True, slots=True)
class Memory:
    """One process's memory at one moment, in bytes (PSS: shared pages split between sharers;
    None where it could not be read)."""

    rss: int
    pss: int | None = None


@dataclass(frozen=True, slots=True)
class Growth:
    name: str
    start: Memory | None  # None: the process was not there at the start
    end: Memory | None  # None: gone by the end

    @property
    def ratio(self) -> float:
        """RSS at the end over RSS at the start, minus one; NaN when one side is missing."""
        if self.start is None or self.end is None or not self.start.rss:
            return math.nan
        return self.end.rss / self.start.rss - 1


def growth(start: Mapping[str, Memory], end: Mapping[str, Memory]) -> list[Growth]:
    """Each process of either snapshot (start order, then the ones new at the end), and a
    total over the processes present in both."""
    names = [*start, *(n for n in end if n not in start)]
    rows = [Growth(n, start.get(n), end.get(n)) for n in names]
    both = [r for r in rows if r.start is not None and r.end is not None]
    if both:
        rows.append(Growth("total", _sum(r.start for r in both), _sum(r.end for r in both)))
    return rows


def _sum(memories: Iterable[Memory | None]) -> Memory:
    items = [m for m in memories if m is not None]
    pss = [m.pss for m in items]
    return Memory(
        rss=sum(m.rss for m in items),
        pss=None if any(p is None for p in pss) else sum(p for p in pss if p is not None),
    )


def memory_table(rows: list[Growth]) -> str:
    lines = [
        "| process | RSS start (MiB) | RSS end (MiB) | RSS growth | PSS start (MiB) "
        "| PSS end (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = f"**{r.name}**" if r.name == "total" else r.name
        change = "gone" if r.end is None else "new" if r.start is None else f"{r.ratio:+.1%}"
        lines.append(
            f"| {name} | {_mib(r.start, 'rss')} | {_mib(r.end, 'rss')} | {change} "
            f"| {_mib(r.start, 'pss')} | {_mib(r.end, 'pss')} |"
        )
    return "\n".join(lines)


def _mib(memory: Memory | None, field: str) -> str:
    value = None if memory is None else getattr(memory, field)
    return "–" if value is None else f"{value / MIB:.0f}"


def timeline_table(samples: list[tuple[float, Mapping[str, Memory]]], columns: int = 11) -> str:
    """RSS (MiB) of each process at up to ``columns`` of the samples (elapsed seconds, memory),
    evenly spread from the first to the last: a leak keeps rising, a cache levels off."""
    if not samples:
        return ""
    step = max(1, math.ceil((len(samples) - 1) / max(1, columns - 1)))
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    names = list(dict.fromkeys(n for _, memory in picked for n in memory))
    lines = [
        "| process | " + " | ".join(f"{t / 60:.1f} min" for t, _ in picked) + " |",
        "|---|" + "---|" * len(picked),
    ]
    for name in names:
        cells = [_mib(memory.get(name), "rss") for _, memory in picked]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def log_level(line: str) -> str | None:
    """The level of one log line: the ``level`` of a JSON line (the agent's), else the first
    level word (uvicorn's ``ERROR:``, livekit-server's ``WARN``); None for neither."""
    line = line.strip()
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and "level" in record:
            level = str(record["level"]).upper()
            return _ALIASES.get(level, level)
    found = _LEVEL_WORD.search(line)
    return _ALIASES.get(found.group(1), found.group(1)) if found else None


def count_levels(lines: Iterable[str]) -> Counter[str]:
    """Lines at WARNING and above, by level; a traceback counts once (its first line)."""
    counts: Counter[str] = Counter()
    for line in lines:
        level = log_level(line)
        if level in LEVELS:
            counts[level] += 1
        elif line.startswith("Traceback (most recent call last)"):
            counts["ERROR"] += 1
    return counts


def levels_table(by_log: Mapping[str, Counter[str]]) -> str:
    lines = ["| log | " + " | ".join(LEVELS) + " |", "|---|" + "---|" * len(LEVELS)]
    for name, counts in by_log.items():
        lines.append(f"| {name} | " + " | ".join(str(counts[level]) for level in LEVELS) + " |")
    return "\n".join(lines)


def tenths(latencies: list[float | None]) -> tuple[list[float | None], list[float | None]]:
    """The first and the last tenth of the turns in the order asked (at least one turn each;
    they overlap only when there are fewer than two turns)."""
    if not latencies:
        return [], []
    n = max(1, len(latencies) // 10)
    return latencies[:n], latencies[-n:]


def pct(latencies: list[float | None], q: float) -> float:
    """Over every turn: one with no answer counts as infinitely slow, never dropped."""
    return quantile([math.inf if x is None else x for x in latencies], q)


def turns_table(latencies: list[float | None]) -> str:
    first, last = tenths(latencies)
    lines = [
        "| turns | asked | answered | v2v p50 (s) | v2v p95 (s) |",
        "|---|---|---|---|---|",
    ]
    for name, part in (("all", latencies), ("first tenth", first), ("last tenth", last)):
        answered = sum(x is not None for x in part)
        lines.append(
            f"| {name} | {len(part)} | {answered} | {_secs(pct(part, 0.5))} "
            f"| {_secs(pct(part, 0.95))} |"
        )
    return "\n".join(lines)


def _secs(value: float) -> str:
    return "no reply" if math.isinf(value) else "–" if math.isnan(value) else f"{value:.3f}"


def misses(rows: list[Growth], latencies: list[float | None], *, max_growth: float) -> list[str]:
    """The targets missed, in words (empty: every target met): the stack's total RSS grows at
    most ``max_growth``, as does each process present at both ends; every turn is answered;
    at least one turn was asked."""
    found = [
        f"{r.name}: RSS grew {r.ratio:+.1%} (target at most {max_growth:+.0%})"
        for r in rows
        if not math.isnan(r.ratio) and r.ratio > max_growth
    ]
    unanswered = sum(x is None for x in latencies)
    if unanswered:
        found.append(f"{unanswered} of {len(latencies)} turns unanswered (target: none)")
    if not latencies:
        found.append("no turn was asked")
    return found
