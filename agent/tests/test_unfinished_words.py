"""``AGENT_TURN__DETECTOR=words``: which transcripts hold the turn, and the framework's text
turn-detector protocol the session calls."""

from __future__ import annotations

import pytest
from livekit.agents import llm
from livekit.agents.language import LanguageCode
from voice_agent.settings import AgentSettings, TurnSettings
from voice_agent.turn_detection import turn_detection
from voice_agent.unfinished_words import UnfinishedWordsDetector, ends_unfinished

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of",
        "Can you remind me to",
        "I'd like a table for two and",
        "Play something by the",
        "I need a table for, um",
        "Tell me about my.",  # Whisper ends fragments with a full stop
        "IS IT COLDER THAN",
    ],
)
def test_a_sentence_cut_on_a_dangling_word_is_unfinished(text: str) -> None:
    assert ends_unfinished(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "What is that?",
        "I wonder what it is.",
        "What is it like?",
        "I think so.",
        "Do you have any?",
        "Thanks",
        "",
        "...",
    ],
)
def test_a_complete_sentence_is_finished(text: str) -> None:
    assert not ends_unfinished(text)


def _chat(*turns: tuple[str, str]) -> llm.ChatContext:
    chat = llm.ChatContext()
    for role, text in turns:
        chat.add_message(role=role, content=text)  # type: ignore[arg-type]
    return chat


async def test_the_detector_judges_the_users_last_words() -> None:
    detector = UnfinishedWordsDetector()
    threshold = await detector.unlikely_threshold(LanguageCode("en"))
    assert threshold is not None

    held = _chat(("assistant", "Hello!"), ("user", "How many days are there in"))
    done = _chat(("user", "How many days are there in"), ("assistant", "A year?"),
                 ("user", "a leap year"))  # fmt: skip
    assert await detector.predict_end_of_turn(held) < threshold
    assert await detector.predict_end_of_turn(done) >= threshold
    assert await detector.predict_end_of_turn(_chat(("assistant", "Hi"))) >= threshold


async def test_english_only() -> None:
    detector = UnfinishedWordsDetector()
    assert await detector.supports_language(LanguageCode("en"))
    assert await detector.supports_language(LanguageCode("en-GB"))
    assert await detector.supports_language(None)
    assert not await detector.supports_language(LanguageCode("de"))


def test_the_session_gets_the_detector() -> None:
    detector = turn_detection(AgentSettings(turn=TurnSettings(detector="words")))
    assert isinstance(detector, UnfinishedWordsDetector)


async def test_the_detector_holds_a_clause_cut_on_a_copula_and_not_a_wh_clause() -> None:
    detector = UnfinishedWordsDetector()
    threshold = await detector.unlikely_threshold(LanguageCode("en"))
    assert threshold is not None

    held = _chat(("assistant", "Hello!"), ("user", "My phone number is."))
    done = _chat(("assistant", "Hello!"), ("user", "Do you know what it is?"))
    assert await detector.predict_end_of_turn(held) < threshold
    assert await detector.predict_end_of_turn(done) >= threshold
