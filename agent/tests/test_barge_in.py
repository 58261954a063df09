"""Barge-in on the real offline models: the agent's session (``build_session``: Silero VAD,
Moonshine, Qwen, Piper, the default barge-in settings) speaks a long reply in real time and
a sound is played into its microphone over it (bench/overlap_session.py). How fast it stops
is measured by ``make bench-quality`` (``--part bargein``), not asserted here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from overlap_session import talk_over
from short_sounds import cough, noise_burst
from turn_taking import RATE
from voice_agent.providers.local import Providers
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.models


def _with_tail(pcm: np.ndarray, seconds: float = 0.3) -> np.ndarray:
    return np.concatenate([pcm, np.zeros(int(seconds * RATE), pcm.dtype)])


async def test_talking_over_the_agent_stops_it_and_the_reply_answers_the_new_question(
    settings: AgentSettings, providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    question = _with_tail(speech("What is the capital of France?"))
    overlap = await talk_over(settings, providers, question, await_reply=True)

    assert overlap.outcome == "stopped"  # the long reply was interrupted, not resumed
    assert overlap.stop_s is not None and overlap.decided_s is not None
    assert overlap.false_interruptions == []
    [heard] = overlap.heard
    assert "france" in heard.lower(), heard
    assert overlap.reply is not None and "paris" in overlap.reply.lower(), overlap.reply


@pytest.mark.parametrize(
    "sound", [cough, lambda: noise_burst(0.5)], ids=["cough", "noise burst 0.5 s"]
)
async def test_a_short_sound_does_not_end_the_reply(
    settings: AgentSettings, providers: Providers, sound: Callable[[], np.ndarray]
) -> None:
    overlap = await talk_over(settings, providers, _with_tail(sound()))

    # paused and resumed, or never paused: never dropped, and no user turn out of it
    assert overlap.outcome in ("resumed", "continued"), overlap
    assert overlap.heard == []
    if overlap.outcome == "resumed":
        assert overlap.false_interruptions == [True]


async def test_a_backchannel_over_the_reply_pauses_it_and_it_resumes_unanswered(
    settings: AgentSettings, providers: Providers, speech: Callable[[str], np.ndarray]
) -> None:
    overlap = await talk_over(settings, providers, _with_tail(speech("Yeah.")))

    # the VAD pauses the reply for any voice; "Yeah." alone is no request (backchannel.py)
    assert overlap.outcome == "resumed", overlap
    assert overlap.heard == []
    assert overlap.false_interruptions == [True]


async def test_a_hum_heard_as_words_over_the_reply_resumes_it(
    settings: AgentSettings, providers: Providers, espeak: Callable[..., np.ndarray]
) -> None:
    # Moonshine hears espeak-ng's "Mm-hmm." over the reply as "M. M." (backchannel words) or,
    # on other runs, "Amendment.": no backchannel word, but the sound was mostly a
    # closed-mouth murmur (hum.py); either way the reply goes on
    overlap = await talk_over(settings, providers, _with_tail(espeak("en-us+f3", "Mm-hmm.")))

    assert overlap.outcome == "resumed", overlap
    assert overlap.heard == []
    assert overlap.false_interruptions == [True]
