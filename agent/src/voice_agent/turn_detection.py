"""How the end of the user's turn is decided (``AGENT_TURN__DETECTOR``, settings.TurnSettings).

``eot`` is livekit-agents' local audio end-of-turn model (``turn-detector-v1-mini``, weights
inside the ``livekit-local-inference`` wheel, never LiveKit Cloud: the version is given, so
no gateway URL or key is ever read). It runs in the job process: the session asks it once the
VAD has heard 0.2 s of silence, on a thread (~25 ms a decision on 2 cores). ``words``
judges the transcript's last words instead (``unfinished_words.py``, ``unfinished_clauses.py``:
no model). ``lm`` adds the local LLM's judgement of the words, which holds the reply back
(``turn_end_lm.py``).
"""

from __future__ import annotations

from livekit.agents.inference.eot import TurnDetector
from livekit.agents.voice.turn import TurnDetectionMode

from .settings import AgentSettings
from .unfinished_words import UnfinishedWordsDetector


def turn_detection(settings: AgentSettings) -> TurnDetectionMode:
    """What the session's ``turn_handling["turn_detection"]`` gets (``lm`` ends the turn as
    ``words`` does; its judgement holds the reply: turn_end_lm.py)."""
    turn = settings.turn
    if turn.detector in ("words", "lm"):
        return UnfinishedWordsDetector()
    if turn.detector == "eot":
        if turn.eot_threshold is None:
            return TurnDetector(version="v1-mini")
        return TurnDetector(version="v1-mini", unlikely_threshold=turn.eot_threshold)
    return "vad"


def load_turn_model(settings: AgentSettings) -> None:
    """Load the end-of-turn weights now (a prewarm), not as a 0.2 s stall on the job's event
    loop when its session starts; a no-op where the forkserver loaded them already."""
    if settings.turn.detector == "eot":
        import livekit.local_inference as local_inference

        local_inference.init_eot()
