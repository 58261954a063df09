"""``AGENT_TURN__DETECTOR``: the settings it needs, and what the session is given."""

from __future__ import annotations

import pytest
from livekit.agents.inference.eot import TurnDetector
from livekit.agents.language import LanguageCode
from pydantic import ValidationError
from voice_agent.settings import AgentSettings, TurnSettings, VadSettings
from voice_agent.turn_detection import turn_detection
from voice_agent.unfinished_words import UnfinishedWordsDetector

pytestmark = pytest.mark.unit

EOT_VAD = VadSettings(min_silence_s=0.25)
ENGLISH = LanguageCode("en")


def test_the_last_words_end_the_turn_by_default_and_silence_alone_with_vad() -> None:
    # lm (the default) ends the turn as words does; the LLM only holds the reply
    assert AgentSettings().turn.detector == "lm"
    assert isinstance(turn_detection(AgentSettings()), UnfinishedWordsDetector)
    assert isinstance(
        turn_detection(AgentSettings(turn=TurnSettings(detector="words"))), UnfinishedWordsDetector
    )
    assert turn_detection(AgentSettings(turn=TurnSettings(detector="vad"))) == "vad"


async def test_eot_is_the_local_model_even_with_a_cloud_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # with an inference gateway and keys in the environment the framework's unversioned
    # detector would call LiveKit Cloud in dev mode; the versioned one never does
    monkeypatch.setenv("LIVEKIT_INFERENCE_URL", "https://gateway.invalid/v1")
    monkeypatch.setenv("LIVEKIT_DEV_MODE", "1")
    detector = turn_detection(AgentSettings(turn=TurnSettings(detector="eot"), vad=EOT_VAD))

    assert isinstance(detector, TurnDetector)
    assert detector.model == "turn-detector-v1-mini"
    assert await detector.unlikely_threshold(ENGLISH) == pytest.approx(0.36)  # the framework's


async def test_a_threshold_replaces_the_framework_one() -> None:
    turn = TurnSettings(detector="eot", eot_threshold=0.45)
    detector = turn_detection(AgentSettings(turn=turn, vad=EOT_VAD))

    assert isinstance(detector, TurnDetector)
    assert await detector.unlikely_threshold(ENGLISH) == pytest.approx(0.45)


def test_eot_needs_the_vad_silence_the_framework_requires() -> None:
    with pytest.raises(ValidationError, match="AGENT_VAD__MIN_SILENCE_S"):
        AgentSettings(turn=TurnSettings(detector="eot"))


def test_an_unknown_detector_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_TURN__DETECTOR", "smart")
    with pytest.raises(ValidationError, match="turn.detector"):
        AgentSettings()


def test_the_longest_wait_is_not_shorter_than_the_shortest() -> None:
    with pytest.raises(ValidationError, match="AGENT_TURN__MAX_DELAY_S"):
        TurnSettings(min_delay_s=1.0, max_delay_s=0.5)
