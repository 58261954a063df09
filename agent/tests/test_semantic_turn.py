"""The end of the user's turn on the real models (``AGENT_TURN__DETECTOR``), through the
session ``build_session`` makes: Silero VAD, Moonshine, and for ``eot`` the framework's local
end-of-turn model; a clip plays at real-time pace (bench/turn_taking.py), only the LLM is
scripted.

A caller who pauses mid-sentence ("How many days are there in ... a leap year?") is one turn
with ``eot`` and two with ``vad``; a complete question still ends well before ``max_delay_s``.
The clips are ones the model judges clearly (docs/benchmarks.md, end of turn: P 0.09 for
the fragment, 0.64 for the question); it is wrong on others. ``words`` holds the same
fragment on its last word ("in") and ends the complete question as ``vad`` does; it also
holds a clause cut after its copula ("Is it going to be ... sunny this weekend?") and ends a
question whose copula had its complement before it ("Do you know what it is?") as ``vad`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from turn_taking import RATE, speech_end_s, user_turns
from voice_agent.settings import AgentSettings, TurnSettings, VadSettings

pytestmark = pytest.mark.models

FRAGMENT, REST = "How many days are there in", "a leap year?"
QUESTION = "Name a famous museum in Paris."
PAUSE_S = 0.7


@pytest.fixture(scope="module")
def hearing() -> Any:
    from voice_agent.local_models import MoonshineSTT

    moonshine = MoonshineSTT()
    moonshine.warm_up()
    return moonshine


def _eot() -> AgentSettings:
    return AgentSettings(turn=TurnSettings(detector="eot"), vad=VadSettings(min_silence_s=0.25))


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def _clip(*parts: np.ndarray, tail_s: float) -> np.ndarray:
    return np.concatenate([_silence(0.5), *parts, _silence(tail_s)])


def _cut_off(
    speech: Callable[[str], np.ndarray],
    settings: AgentSettings,
    fragment: str = FRAGMENT,
    rest: str = REST,
) -> np.ndarray:
    return _clip(
        speech(fragment), _silence(PAUSE_S), speech(rest), tail_s=settings.turn.max_delay_s + 1
    )


async def test_eot_waits_through_a_pause_mid_sentence(
    hearing: Any, speech: Callable[[str], np.ndarray]
) -> None:
    settings = _eot()
    assert settings.turn.max_delay_s > PAUSE_S  # else the model's "not finished" cannot hold
    turns = await user_turns(settings, hearing, _cut_off(speech, settings))

    # one turn with the words after the pause too (Moonshine may mishear them: not checked)
    assert len(turns) == 1, turns
    assert "days" in turns[0].text.lower()
    assert len(turns[0].text.split()) > len(FRAGMENT.split()), turns


async def test_vad_ends_the_turn_at_the_pause(
    hearing: Any, speech: Callable[[str], np.ndarray]
) -> None:
    # the same clip without the model: the fragment is answered (what eot prevents)
    settings = AgentSettings(turn=TurnSettings(detector="vad"))
    turns = await user_turns(settings, hearing, _cut_off(speech, settings))

    assert len(turns) == 2, turns
    assert "days" in turns[0].text.lower()
    assert len(turns[0].text.split()) <= len(FRAGMENT.split()), turns  # the fragment alone


async def test_words_wait_through_a_pause_after_a_dangling_word(
    hearing: Any, speech: Callable[[str], np.ndarray]
) -> None:
    settings = AgentSettings(turn=TurnSettings(detector="words"))
    assert settings.turn.max_delay_s > PAUSE_S
    turns = await user_turns(settings, hearing, _cut_off(speech, settings))

    assert len(turns) == 1, turns
    assert "days" in turns[0].text.lower()
    assert len(turns[0].text.split()) > len(FRAGMENT.split()), turns


async def test_words_wait_through_a_pause_after_a_copula_with_no_complement(
    hearing: Any, speech: Callable[[str], np.ndarray]
) -> None:
    settings = AgentSettings(turn=TurnSettings(detector="words"))
    fragment = "Is it going to be"
    clip = _cut_off(speech, settings, fragment, "sunny this weekend?")
    turns = await user_turns(settings, hearing, clip)

    assert len(turns) == 1, turns
    assert "going" in turns[0].text.lower()
    assert len(turns[0].text.split()) > len(fragment.split()), turns


@pytest.mark.parametrize("question", [QUESTION, "Do you know what it is?"])
async def test_words_end_a_complete_question_as_soon_as_vad(
    hearing: Any, speech: Callable[[str], np.ndarray], question: str
) -> None:
    settings = AgentSettings(turn=TurnSettings(detector="words"))
    clip = _clip(speech(question), tail_s=settings.turn.max_delay_s + 1)
    turns = await user_turns(settings, hearing, clip)

    assert len(turns) == 1, turns
    # not held: within the VAD's silence and min_delay of the speech's end, plus slack for
    # a loaded box, far from max_delay_s
    assert turns[0].at_s - speech_end_s(clip) < settings.turn.max_delay_s / 2


async def test_eot_ends_a_complete_question_before_max_delay(
    hearing: Any, speech: Callable[[str], np.ndarray]
) -> None:
    settings = _eot()
    clip = _clip(speech(QUESTION), tail_s=settings.turn.max_delay_s + 1)
    turns = await user_turns(settings, hearing, clip)

    assert len(turns) == 1, turns
    assert "museum" in turns[0].text.lower()
    # the model said "finished": the turn did not wait out max_delay_s after the speech
    assert turns[0].at_s - speech_end_s(clip) < settings.turn.max_delay_s
