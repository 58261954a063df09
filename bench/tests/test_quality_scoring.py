"""bench/quality/answer_checks.py: keyword scoring of the answer eval, and its turn set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from answer_checks import (  # noqa: E402
    ASKED_AGAIN,
    Turn,
    accuracy,
    judge,
    matched_keyword,
    unhelpful,
)
from eval_turns import HELD_OUT, QUESTIONS, STATEMENTS, TURNS  # noqa: E402
from speech import EVERYDAY_QUESTIONS  # noqa: E402


def test_keywords_match_whole_normalised_words() -> None:
    assert matched_keyword("The capital of France is Paris.", ("paris",)) == "paris"
    assert matched_keyword("A week has 7 days.", ("seven",)) == "seven"
    assert matched_keyword("Seventeen.", ("seven",)) is None
    assert matched_keyword("Parisian food is great.", ("paris",)) is None


def test_phrases_and_prefix_keywords() -> None:
    assert matched_keyword("It is the blue whale.", ("blue whale",)) == "blue whale"
    assert matched_keyword("It is blue, like a whale.", ("blue whale",)) is None
    assert matched_keyword("Try relaxing before bed.", ("relax*",)) == "relax*"
    assert matched_keyword("There are 24 hours in a day.", ("twenty four",)) == "twenty four"


def test_a_question_passes_on_any_expected_keyword() -> None:
    turn = Turn("Name a famous museum in Paris.", ("louvre", "orsay"))
    assert judge(turn, "The Musée d'Orsay is lovely.").ok
    verdict = judge(turn, "Paris has many museums.")
    assert not verdict.ok and verdict.why == "no expected keyword"
    assert judge(turn, "  ").why == "empty reply"


def test_a_refusal_is_named_in_a_failed_question() -> None:
    verdict = judge(Turn("What is two plus two?", ("four",)), "I'm sorry, but I can't assist.")
    assert not verdict.ok and verdict.why.startswith("refused")


def test_a_statement_needs_a_fitting_reply() -> None:
    thanks = Turn("Thank you!", ("welcome", "glad"), "statement")
    assert judge(thanks, "You're welcome! Anything else?").ok
    assert judge(thanks, "I'm glad, but I apologize for the delay.").why.startswith("refused")
    assert judge(thanks, "The capital of France is Paris.").why == "does not pick up the turn"
    joke = Turn("Tell me a joke.", (), "statement")
    assert judge(joke, "Why did the chicken cross the road?").ok
    assert not judge(joke, "I'm unable to tell jokes.").ok


def test_unhelpful_finds_refusals_and_apologies() -> None:
    assert unhelpful("Sorry, I can\u2019t help with that.") == "can't help with"
    assert unhelpful("I am sorry, but no.") == "i am sorry, but"
    assert unhelpful("I'm sorry to hear that. Get some rest.") is None


def test_accuracy_is_the_share_passed() -> None:
    thanks = Turn("Thanks", ("welcome",), "statement")
    verdicts = [judge(thanks, "You're welcome"), judge(thanks, ""), judge(thanks, "Welcome!")]
    assert accuracy(verdicts) == pytest.approx(2 / 3)
    assert accuracy([]) == 0.0


def test_the_turn_set_is_large_enough_and_well_formed() -> None:
    assert len(QUESTIONS) >= 50 and len(STATEMENTS) >= 10
    assert tuple(t.text for t in QUESTIONS[:20]) == EVERYDAY_QUESTIONS
    assert len({t.text for t in TURNS}) == len(TURNS)
    assert all(t.expect_any for t in QUESTIONS)
    assert all(t.kind == "statement" for t in STATEMENTS)


def test_a_request_to_repeat_fails_and_is_named_apart() -> None:
    question = Turn("What is two plus two?", ("four",))
    verdict = judge(question, "Sorry, I didn't catch that. Could you say it again?")
    assert not verdict.ok and verdict.why == ASKED_AGAIN
    assert judge(question, "Two plus two is four. Want me to repeat it?").ok
    joke = Turn("Tell me a joke.", (), "statement")
    assert judge(joke, "Could you repeat that?").why == ASKED_AGAIN


def test_the_held_out_turns_are_apart_and_new() -> None:
    assert len(HELD_OUT) >= 35 and all(t.held_out for t in HELD_OUT)
    assert not any(t.held_out for t in QUESTIONS + STATEMENTS)
    assert sum(t.kind == "statement" for t in HELD_OUT) >= 8
    assert set(HELD_OUT) <= set(TURNS)
