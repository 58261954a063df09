"""The browser latency bench's figures, from what the page recorded (pure: no browser here).

The bench's Playwright side (web/e2e/bench/browser-latency.bench.ts) writes a timeline of
snapshots of the page, a few a second: the latency panel's rows, the agent audio's cumulative
receive stats (`RTCPeerConnection.getStats()`: inbound-rtp, media-playout) and the page's timer
lag; then the call's stored messages. Here each answered question becomes a `BrowserTurn`:
the page's "You felt" figure, the agent's figures, and the receive stats over that turn
(from the previous reply's figures arriving to this one's).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from proc_cpu import CpuReport
from stats import percentile_row

# agent figures stored with the call's messages (ms), in the order the table shows them
AGENT_FIGURES = (
    ("end_of_turn_ms", "user", "end of turn wait"),
    ("transcription_ms", "user", "STT (transcript ready)"),
    ("ttft_ms", "assistant", "LLM first token"),
    ("ttfb_ms", "assistant", "TTS first byte"),
    ("e2e_ms", "assistant", "agent e2e (agent clock)"),
)


@dataclass(slots=True)
class BrowserTurn:
    prompt: str
    voice: str
    heard: str = ""
    browser_ms: float | None = None  # the page's "You felt"
    reference_ms: float | None = None  # the same, sample-accurate (an AudioWorklet's)
    way_in_ms: float | None = None  # the page's mic end of speech -> the agent's (wall clocks)
    way_out_ms: float | None = None  # the agent's first audio out -> the page hears it
    agent: dict[str, float] = field(default_factory=dict)  # AGENT_FIGURES keys
    jitter_buffer_ms: float | None = None  # mean delay of the samples played this turn
    jitter_target_ms: float | None = None
    playout_delay_ms: float | None = None  # media-playout: output path after the jitter buffer
    concealed_share: float | None = None  # concealed / received samples this turn
    timer_lag_ms: float | None = None  # mean lateness of the page's 20 ms timer this turn
    interrupted: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.agent) or self.browser_ms is not None

    @property
    def gap_ms(self) -> float | None:
        """What the page felt beyond the agent's own clock."""
        e2e = self.agent.get("e2e_ms")
        return None if e2e is None or self.browser_ms is None else self.browser_ms - e2e


def parse_ms(text: str) -> float | None:
    """A panel cell: whole milliseconds, or an em dash (no figure)."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def summed(reports: list[dict[str, float]]) -> dict[str, float]:
    """The sum of each stat over several streams (one agent track is the usual case)."""
    out: dict[str, float] = {}
    for report in reports:
        for key, value in report.items():
            out[key] = out.get(key, 0.0) + value
    return out


def per_sample_ms(
    before: dict[str, float], after: dict[str, float], total: str, count: str
) -> float | None:
    """Mean of a cumulative seconds stat per counted sample between two readings, in ms."""
    samples = after.get(count, 0.0) - before.get(count, 0.0)
    if samples <= 0 or total not in after:
        return None
    return (after[total] - before.get(total, 0.0)) / samples * 1000.0


def question_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The panel's rows that answer a user turn (a turn number, not the greeting), in turn order."""
    rows = [r for r in snapshot.get("rows", []) if r.get("turn") and not r.get("greeting")]
    return sorted(rows, key=lambda r: int(r["turn"]))


def first_seen(timeline: list[dict[str, Any]]) -> dict[str, int]:
    """Turn number -> index of the first snapshot whose panel shows that turn's row."""
    seen: dict[str, int] = {}
    for index, snapshot in enumerate(timeline):
        for row in snapshot.get("rows", []):
            if row.get("turn"):
                seen.setdefault(row["turn"], index)
    return seen


def agent_figures(messages: dict[str, Any] | None) -> dict[int, dict[str, float]]:
    """Turn number (the n-th agent message, as the panel counts) -> the stored figures of that
    reply and of the user message it answered."""
    out: dict[int, dict[str, float]] = {}
    items = (messages or {}).get("items") or []
    turn = 0
    user: dict[str, Any] | None = None
    for item in items:
        if item.get("role") == "user":
            user = item
            continue
        if item.get("role") != "assistant":
            continue
        turn += 1
        figures: dict[str, float] = {}
        for key, role, _ in AGENT_FIGURES:
            source = item if role == "assistant" else user
            value = ((source or {}).get("latency") or {}).get(key)
            if isinstance(value, int | float):
                figures[key] = float(value)
        out[turn] = figures
        user = None
    return out


def build_turns(recording: dict[str, Any], questions: list[tuple[str, str]]) -> list[BrowserTurn]:
    """One turn per question asked ((prompt, voice) in the order spoken): the n-th answered
    panel row goes with the n-th question; a question with no row is a turn with no reply.
    Rows beyond the questions (a question heard as two turns) are left out of the sample."""
    timeline: list[dict[str, Any]] = recording.get("timeline") or []
    if not timeline:
        return [BrowserTurn(prompt=p, voice=v) for p, v in questions]
    rows = question_rows(timeline[-1])
    seen = first_seen(timeline)
    figures = agent_figures(recording.get("messages"))
    heard = timeline[-1].get("userLines") or []
    packets = {
        p["record"]["turn"]: p["record"]
        for p in timeline[-1].get("packets", [])
        if isinstance(p.get("record"), dict) and "turn" in p["record"]
    }
    turns: list[BrowserTurn] = []
    for index, (prompt, voice) in enumerate(questions):
        turn = BrowserTurn(prompt=prompt, voice=voice)
        if index < len(rows):
            row = rows[index]
            number = row["turn"]
            turn.browser_ms = parse_ms(row.get("browserMs", ""))
            turn.interrupted = bool(row.get("interrupted"))
            turn.agent = figures.get(int(number), {})
            if not turn.agent and len(row.get("cells", [])) >= 2:
                e2e = parse_ms(row["cells"][1])  # the panel's e2e when none was stored
                turn.agent = {} if e2e is None else {"e2e_ms": e2e}
            turn.heard = heard[index] if index < len(heard) else ""
            end = seen.get(number, len(timeline) - 1)
            start = seen.get(rows[index - 1]["turn"], 0) if index > 0 else _greeting_seen(timeline)
            window_stats(turn, timeline[start], timeline[end], packets.get(int(number)))
        turns.append(turn)
    return turns


def _greeting_seen(timeline: list[dict[str, Any]]) -> int:
    for index, snapshot in enumerate(timeline):
        if any(r.get("greeting") for r in snapshot.get("rows", [])):
            return index
    return 0


def window_stats(
    turn: BrowserTurn,
    before: dict[str, Any],
    after: dict[str, Any],
    packet: dict[str, Any] | None = None,
) -> None:
    """The receive stats, timer lag and reference measurement between two snapshots, onto
    ``turn``; with the agent's packet for the turn (its clock), the way in and out."""
    a, b = summed(before.get("inbound", [])), summed(after.get("inbound", []))
    turn.jitter_buffer_ms = per_sample_ms(a, b, "jitterBufferDelay", "jitterBufferEmittedCount")
    turn.jitter_target_ms = per_sample_ms(
        a, b, "jitterBufferTargetDelay", "jitterBufferEmittedCount"
    )
    received = b.get("totalSamplesReceived", 0.0) - a.get("totalSamplesReceived", 0.0)
    if received > 0:
        turn.concealed_share = (
            b.get("concealedSamples", 0.0) - a.get("concealedSamples", 0.0)
        ) / received
    pa, pb = summed(before.get("playout", [])), summed(after.get("playout", []))
    turn.playout_delay_ms = per_sample_ms(pa, pb, "totalPlayoutDelay", "totalSamplesCount")
    inside = [
        r
        for r in after.get("references", [])
        if before.get("wall", 0) < r["wall"] <= after.get("wall", 0)
    ]
    turn.reference_ms = inside[-1]["latencyMs"] if inside else None
    clock = (packet or {}).get("clock") or {}
    if inside and "user_stopped_at" in clock and "agent_started_at" in clock:
        onset = inside[-1]["wall"]
        turn.way_in_ms = clock["user_stopped_at"] * 1000 - (onset - inside[-1]["latencyMs"])
        turn.way_out_ms = onset - clock["agent_started_at"] * 1000
    la, lb = before.get("lag") or {}, after.get("lag") or {}
    ticks = lb.get("ticks", 0) - la.get("ticks", 0)
    if ticks > 0:
        turn.timer_lag_ms = (lb.get("totalMs", 0.0) - la.get("totalMs", 0.0)) / ticks


def summary_table(turns: list[BrowserTurn]) -> str:
    """p50/p95 per measure, ms; a question with no reply is infinite in every column."""

    def col(pick: Any) -> list[float | None]:
        return [pick(t) if t.answered else None for t in turns]

    ms = "{:.0f}"
    rows = [
        "| measure (ms) | p50 | p95 | turns | no figure |",
        "|---|---|---|---|---|",
        percentile_row(
            '**the page\'s "You felt" (browser clock)**', col(lambda t: t.browser_ms), ms
        ),
        percentile_row(
            "same, sample-accurate reference (AudioWorklet)", col(lambda t: t.reference_ms), ms
        ),
        percentile_row("**agent e2e (agent clock)**", col(lambda t: t.agent.get("e2e_ms")), ms),
        percentile_row("page − agent e2e", col(lambda t: t.gap_ms), ms),
        percentile_row(
            "way in: the page's end of speech → the agent's", col(lambda t: t.way_in_ms), ms
        ),
        percentile_row(
            "way out: the agent's first audio → the page hears it",
            col(lambda t: t.way_out_ms),
            ms,
        ),
    ]
    rows += [
        percentile_row(label, col(lambda t, k=key: t.agent.get(k)), ms)
        for key, _, label in AGENT_FIGURES[:-1]
    ]
    rows += [
        percentile_row(
            "jitter buffer delay (mean this turn)", col(lambda t: t.jitter_buffer_ms), ms
        ),
        percentile_row("jitter buffer target (mean)", col(lambda t: t.jitter_target_ms), ms),
        percentile_row(
            "playout delay (media-playout, mean)", col(lambda t: t.playout_delay_ms), ms
        ),
        percentile_row(
            "page timer lag (20 ms timer, mean)", col(lambda t: t.timer_lag_ms), "{:.1f}"
        ),
    ]
    return "\n".join(rows)


def _cell(value: float | None, fmt: str = "{:.0f}") -> str:
    return "—" if value is None else fmt.format(value)


def turns_detail(turns: list[BrowserTurn]) -> str:
    lines = [
        "| # | voice | question | heard | You felt | reference | agent e2e | EOT wait | STT | LLM "
        "| TTS | way in | way out | jitter buf | playout | timer lag |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, t in enumerate(turns, 1):
        if not t.answered:
            lines.append(f"| {i} | {t.voice} | {t.prompt} | — | no reply |" + " |" * 11)
            continue
        a = t.agent
        heard = t.heard.replace("|", "/")[:60]
        cells = [
            _cell(t.browser_ms) + (" (interrupted)" if t.interrupted else ""),
            _cell(t.reference_ms),
            *(_cell(a.get(k)) for k in ("e2e_ms", "end_of_turn_ms", "transcription_ms")),
            *(_cell(a.get(k)) for k in ("ttft_ms", "ttfb_ms")),
            _cell(t.way_in_ms),
            _cell(t.way_out_ms),
            _cell(t.jitter_buffer_ms),
            _cell(t.playout_delay_ms),
            _cell(t.timer_lag_ms, "{:.1f}"),
        ]
        lines.append(f"| {i} | {t.voice} | {t.prompt} | {heard} | {' | '.join(cells)} |")
    return "\n".join(lines)


def cpu_table(report: CpuReport) -> str:
    """CPU seconds per process over the call, and as a share of one core."""
    lines = ["| process | CPU s | % of one core |", "|---|---|---|"]
    for label, seconds in sorted(report.by_label.items(), key=lambda kv: -kv[1]):
        if seconds < 0.05:
            continue
        lines.append(f"| {label} | {seconds:.1f} | {100 * seconds / report.seconds:.0f} |")
    load = ", ".join(f"{v:.1f}" for v in report.load_end)
    lines.append(
        f"\nOver {report.seconds:.0f} s: the box {100 * report.box_busy:.0f} % busy "
        f"(all {os.cpu_count()} cores); load average (1 min) {report.load_start[0]:.1f} at the "
        f"start, {report.load_1min_mean:.1f} mean, {load} at the end (1/5/15)."
    )
    return "\n".join(lines)


def audio_context_note(recording: dict[str, Any]) -> str:
    """The page's AudioContext output latency, as Chromium reports it."""
    for snapshot in recording.get("timeline") or []:
        ctx = snapshot.get("audioContext")
        if ctx:
            return (
                f"AudioContext baseLatency {1000 * ctx['baseLatency']:.1f} ms, "
                f"outputLatency {1000 * ctx['outputLatency']:.1f} ms."
            )
    return "AudioContext latency: not reported."
