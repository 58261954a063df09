"""``unfinished_clauses.py``: clauses that stop before their end on a word that could end a
sentence, and the complete ones with the same last word, through ``ends_unfinished`` (what
the ``words`` detector asks)."""

from __future__ import annotations

import pytest
from voice_agent.unfinished_words import ends_unfinished

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    [
        # a copula with no complement
        "My phone number is.",
        "The thing I really want is",
        "My favourite colour is",
        "Is it going to be?",
        # a modal or "do" with no main verb
        "Where can I?",
        "How do I?",
        "What time does that?",  # Moonshine's "that" for a "the" cut at the pause
        "Do you think it will?",
        "I think I should.",
        # a request with its object missing
        "Can you tell me?",
        "Could you tell me how?",
        "Let me know when.",
        "Could you please?",
    ],
)
def test_a_clause_cut_before_its_end_is_unfinished(text: str) -> None:
    assert ends_unfinished(text)


@pytest.mark.parametrize(
    "text",
    [
        # the complement came first: a wh-clause or a pronoun before the copula
        "Do you know what it is?",
        "Do you know where the station is?",
        "Can you tell me what time it is?",
        "It is what it is.",
        "Here it is.",
        "Let it be.",
        "How are you?",
        "Where is my phone?",
        # the verb is there, or the auxiliary is a short answer or after a subordinator
        "What should I do?",
        "What would you like?",
        "Yes, I can.",
        "No, it won't.",
        "I will.",
        "Can you?",
        "I don't know if I can.",
        "Call me as soon as you can.",
        "Where are you?",
        # a request that has its object
        "Can you help me?",
        "Tell me a joke.",
        "I don't know how.",
        "Sure, tell me.",
    ],
)
def test_a_complete_sentence_with_the_same_last_word_is_finished(text: str) -> None:
    assert not ends_unfinished(text)
