"""How the end of the user's turn is decided (``AGENT_TURN__DETECTOR``, settings.TurnSettings).

``eot`` is livekit-agents' local audio end-of-turn model (``turn-detector-v1-mini``, weights
inside the ``livekit-local-inference`` wheel, never LiveKit Cloud: the version is given, so
no gateway URL or key is ever read). It runs in the job process: the session asks it once the
VAD has heard 0.2 s of silence, on a thread (~25 ms a decision on 2 cores). ``words``
judges the transcript's last words instead (``unfinished_words.py``, ``unfinished_clauses.py``:
no model). ``lm`` adds the local LLM's judgement of the words (``turn_end_lm.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from livekit.agents import llm
from livekit.agents.inference.eot import TurnDetector
from livekit.agents.voice.turn import TurnDetectionMode

from .local_models import LlamaCppLLM
from .settings import AgentSettings
from .turn_end_lm import LanguageModelTurnDetector
from .unfinished_words import UnfinishedWordsDetector

logger = logging.getLogger(__name__)


def turn_detection(settings: AgentSettings, model: llm.LLM[Any] | None = None) -> TurnDetectionMode:
    """What the session's ``turn_handling["turn_detection"]`` gets; ``model``: the session's
    LLM (``lm`` asks it when it is the local one)."""
    turn = settings.turn
    if turn.detector == "lm":
        if isinstance(model, LlamaCppLLM) and model.engine.options.scoring_slot:
            return LanguageModelTurnDetector(
                model.engine, threshold=turn.lm_threshold, timeout_s=turn.lm_timeout_s
            )
        logger.warning("AGENT_TURN__DETECTOR=lm needs the local LLM: words alone judge the turn")
        return UnfinishedWordsDetector()
    if turn.detector == "words":
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
