"""Cut-off clips as the caller hears them: does the agent talk before the caller has
finished, and is the whole sentence what it answers?

    uv run python bench/quality/cuts_heard.py [--fragments 10] [--held-out] [--pause 0.7]
        [--no-record]

Model-level, no LiveKit stack: the agent's whole session (``build_session`` and the
``Assistant``: Silero VAD, Moonshine, the configured detector, Qwen on llama.cpp, Piper) hears
each cut-off clip of ``turns.py`` ("What is the capital of", a pause, "France?") at
real-time pace and speaks into a speaker that plays in real time (``PacedSpeaker``). Per
clip:
- held: the session committed one user turn (what ``make bench-turns`` counts);
- spoke too soon: the agent's audio started after the fragment and before the caller's last
  word: the caller heard it talk over the pause or over them;
- asked whole: the LLM request answered at the end held both parts in its last user message
  (one turn, or two joined: turn_joining.py);
- cut as heard: spoke too soon, or answered a part; a clip with no answer heard counts too.

Prints the table and appends it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / d) for d in ("", "quality")]

from livekit.agents import ConversationItemAddedEvent, llm  # noqa: E402
from machine import add_record_options, append_record, may_record  # noqa: E402
from overlap_session import PacedSpeaker  # noqa: E402
from turn_taking import RATE, ClipInput, speech_end_s, speech_start_s  # noqa: E402
from turns import FRAGMENTS, HELD_OUT, Clip, clips  # noqa: E402

ANSWER_TIMEOUT_S = 20.0
_WORD = re.compile(r"[a-z0-9']+")


class TimedSpeaker(PacedSpeaker):
    """A ``PacedSpeaker`` that notes when each segment of the agent's audio began."""

    def __init__(self) -> None:
        super().__init__()
        self.began: list[float] = []

    def on_playback_started(self, *, created_at: float) -> None:
        self.began.append(time.monotonic())
        super().on_playback_started(created_at=created_at)


@dataclass(frozen=True, slots=True)
class Heard:
    clip: Clip
    turns: list[str]  # the user turns committed, as transcribed
    spoke_too_soon: bool
    asked: str | None  # the last user message of the request answered at the end
    answered: bool  # a reply began after the caller's last word

    @property
    def asked_whole(self) -> bool:
        if self.asked is None or not self.turns:
            return False
        asked = _words(self.asked)
        return all(w in asked for t in self.turns for w in _words(t))

    @property
    def cut(self) -> bool:
        return self.spoke_too_soon or not self.asked_whole or not self.answered

    @property
    def cut_unjoined(self) -> bool:
        """Cut, had the two turns been asked apart (before turn_joining.py)."""
        return self.spoke_too_soon or len(self.turns) != 1 or not self.answered


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _rest_start_s(clip: Clip) -> float:
    """Where the second part's first voiced sample is, in seconds."""
    skip = int((clip.pause_end_s + 0.1) * RATE)
    return skip / RATE + speech_start_s(clip.pcm[skip:])


async def hear(settings: Any, providers: Any, clip: Clip) -> Heard:
    from voice_agent.assistant import Assistant
    from voice_agent.session import build_session

    session = build_session(settings, providers)
    mic = ClipInput(np.zeros(0, np.int16))
    speaker = TimedSpeaker()
    session.input.audio = mic
    session.output.audio = speaker
    turns: list[str] = []
    requests: list[tuple[float, llm.ChatContext]] = []
    model = providers.llm
    chat = model.chat

    def recording_chat(*, chat_ctx: llm.ChatContext, **kwargs: Any) -> Any:
        requests.append((time.monotonic(), chat_ctx.copy()))
        return chat(chat_ctx=chat_ctx, **kwargs)

    def on_item(ev: ConversationItemAddedEvent) -> None:
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role == "user" and mic.started:
            turns.append(ev.item.text_content or "")

    session.on("conversation_item_added", on_item)
    model.chat = recording_chat  # on this instance only: the prefill stays the model's own
    try:
        await session.start(Assistant(settings))
        if session.current_speech is not None:  # the greeting
            await asyncio.wait_for(session.current_speech.wait_for_playout(), 30)
        speaker.began.clear()
        requests.clear()
        at = mic.splice(clip.pcm)
        fragment_end, last_word = at + clip.pause_end_s, at + speech_end_s(clip.pcm)
        deadline = last_word + ANSWER_TIMEOUT_S
        while time.monotonic() < deadline and not any(b > last_word for b in speaker.began):
            await asyncio.sleep(0.1)
    finally:
        del model.chat
        await session.aclose()
        await speaker.aclose()
    answer = next((b for b in speaker.began if b > last_word), None)
    early = any(fragment_end < b <= last_word for b in speaker.began)
    before = [ctx for t, ctx in requests if answer is None or t < answer]
    last = before[-1].messages()[-1] if before and before[-1].messages() else None
    asked = last.text_content if last is not None and last.role == "user" else None
    return Heard(clip, turns, early, asked, answer is not None)


def report(heard: list[Heard]) -> str:
    lines = [
        "| part | voice | clips | held (one turn) | spoke too soon | asked whole | no answer "
        "| **cut as heard** | cut, turns not joined |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[Heard]] = {}
    for h in heard:
        groups.setdefault((h.clip.part, h.clip.voice), []).append(h)
    for part in dict.fromkeys(h.clip.part for h in heard):
        groups[(part, "all")] = [h for h in heard if h.clip.part == part]
    order = sorted(groups, key=lambda g: (g[0] != "bench", g[0], g[1] == "all", g[1]))
    for part, voice in order:
        hs = groups[(part, voice)]
        n = len(hs)
        lines.append(
            f"| {part} | {voice} | {n} | {sum(len(h.turns) == 1 for h in hs)}/{n} "
            f"| {sum(h.spoke_too_soon for h in hs)}/{n} | {sum(h.asked_whole for h in hs)}/{n} "
            f"| {sum(not h.answered for h in hs)}/{n} "
            f"| **{_share(sum(h.cut for h in hs), n)}** "
            f"| {_share(sum(h.cut_unjoined for h in hs), n)} |"
        )
    return "\n".join(lines)


def _share(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)"


async def run(args: argparse.Namespace) -> tuple[str, str]:
    from voice_agent.providers.local import load_local_providers
    from voice_agent.settings import AgentSettings

    settings = AgentSettings(greeting="Hi.")  # a short greeting: the clips start after it
    providers = load_local_providers(settings)
    cut = [c for c in clips(0, args.pause, 2.5, args.fragments, args.held_out) if c.kind == "cut"]
    print(f"bench: {len(cut)} cut-off clips, detector {settings.turn.detector}", flush=True)
    heard = []
    started = time.monotonic()
    for clip in cut:
        h = await hear(settings, providers, clip)
        heard.append(h)
        print(
            f"  {clip.part} | {clip.voice} | {clip.text} | turns {h.turns} | too soon "
            f"{h.spoke_too_soon} | asked {h.asked!r} | answered {h.answered}",
            flush=True,
        )
    body = report(heard)
    print(body, flush=True)
    print(f"bench: {time.monotonic() - started:.0f} s", flush=True)
    description = (
        "Model-level (`bench/quality/cuts_heard.py`, no LiveKit stack): the agent's whole "
        f"session (Silero VAD, Moonshine, the `{settings.turn.detector}` detector, "
        "Qwen2.5 0.5B on llama.cpp in process, Piper into a real-time speaker) hears each "
        f"cut-off clip (a fragment, {args.pause:g} s of silence, the rest): the bench's first "
        f"{args.fragments} of {len(FRAGMENTS)}"
        + (f" and the {len(HELD_OUT)} held-out ones" if args.held_out else "")
        + ", 3 voices. Spoke too soon: the agent's audio began between the fragment's end and "
        "the caller's last word. Asked whole: the request answered at the end held both "
        "parts in its last user message. Cut as heard: spoke too soon, or answered a part, or "
        "no answer. Cut, turns not joined: as if each turn were asked apart (spoke too soon, "
        "two turns, or no answer)."
    )
    return description, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pause", type=float, default=0.7, help="silence inside a cut-off clip")
    parser.add_argument("--fragments", type=int, default=10, help="cut-off clips of turns.py")
    parser.add_argument("--held-out", action="store_true", help="also the held-out fragments")
    add_record_options(parser)
    args = parser.parse_args()
    clean = may_record(args)
    description, body = asyncio.run(run(args))
    if not args.no_record:
        append_record("Cut-off clips as heard", description, body, clean=clean)


if __name__ == "__main__":
    main()
