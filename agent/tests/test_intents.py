"""The deterministic intent matcher: clear requests only, everything else goes to the LLM."""

from __future__ import annotations

import pytest
from voice_agent.intents import Intent, match_intent

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        ("What time is it?", Intent("time")),
        ("what's the time", Intent("time")),
        ("Hey, what is the current time?", Intent("time")),
        ("Could you tell me the time please", Intent("time")),
        ("What\u2019s the date today?", Intent("date")),
        ("What day is it?", Intent("date")),
        ("what is today's date", Intent("date")),
        ("Remember that my cat is called Tom.", Intent("remember", "my cat is called Tom")),
        ("Please remember: Dentist on Friday!", Intent("remember", "Dentist on Friday")),
        (
            "Can you remember that  the wifi code is 1234",
            Intent("remember", "the wifi code is 1234"),
        ),
        ("Make a note that Bob likes tea", Intent("remember", "Bob likes tea")),
        ("Note down: milk and eggs", Intent("remember", "milk and eggs")),
        ("What did I ask you to remember?", Intent("recall")),
        ("what did i tell you to remember", Intent("recall")),
        ("What do you remember?", Intent("recall")),
        ("Read me my notes.", Intent("recall")),
    ],
)
def test_clear_requests_are_matched(transcript: str, expected: Intent) -> None:
    assert match_intent(transcript) == expected


@pytest.mark.parametrize(
    "transcript",
    [
        "",
        "   ",
        "Tell me a joke.",
        "What is the capital of France?",
        "Do you remember when we met?",
        "remember what I said",
        "How much time does it take to boil an egg?",
        "I'll remember that for next time",
        "Time flies.",
    ],
)
def test_everything_else_goes_to_the_llm(transcript: str) -> None:
    assert match_intent(transcript) is None
