"""bench/quality/wer.py: text normalisation and word error rate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
from wer import align, normalise, number_words, pooled_wer, word_errors  # noqa: E402


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(
    ("n", "spelled"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (40, "forty"),
        (42, "forty two"),
        (100, "one hundred"),
        (212, "two hundred twelve"),
        (1000, "one thousand"),
        (2024, "two thousand twenty four"),
        (1_500_000, "one million five hundred thousand"),
    ],
)
def test_numbers_are_spelled_without_and(n: int, spelled: str) -> None:
    assert number_words(n) == spelled


def test_normalise_lowercases_and_drops_punctuation() -> None:
    assert normalise("What is the capital of France?") == words("what is the capital of france")
    assert normalise("Well -- it's twenty-one, isn't it!") == (
        words("well it is twenty one is not it")
    )


def test_normalise_spells_digits_ordinals_decimals_and_percent() -> None:
    assert normalise("2 plus 2 is 4") == words("two plus two is four")
    assert normalise("the 21st of 1,000 runs") == words("the twenty first of one thousand runs")
    assert normalise("3.5 and 25%") == words("three point five and twenty five percent")
    assert normalise("He came 2nd, then 3rd.") == words("he came second then third")


def test_normalise_expands_contractions_but_keeps_possessives() -> None:
    assert normalise("What's France's capital? I don't know, I'm sure you'll say.") == (
        words("what is frances capital i do not know i am sure you will say")
    )
    assert normalise("Can\u2019t, won't") == words("can not will not")


def test_normalise_maps_british_spellings() -> None:
    assert normalise("My favourite colour is grey") == normalise("My favorite color is gray")


def test_identical_texts_have_no_errors() -> None:
    result = word_errors("What is two plus two?", "what is 2 plus 2")
    assert result.edits == 0 and result.wer == 0.0


def test_substitution_deletion_and_insertion_are_counted() -> None:
    result = align(words("the cat sat on the mat"), words("the bat sat on mat today"))
    assert (result.substitutions, result.deletions, result.insertions) == (1, 1, 1)
    assert result.wer == pytest.approx(3 / 6)
    assert result.errors == (("cat", "bat"), ("the", ""), ("", "today"))


def test_hallucinated_leading_word_is_one_insertion() -> None:
    result = word_errors("What do bees make?", "You what do bees make")
    assert (result.insertions, result.edits) == (1, 1)
    assert result.errors == (("", "you"),)


def test_wer_can_exceed_one_and_empty_reference_is_defined() -> None:
    assert word_errors("yes", "no no no").wer == pytest.approx(3.0)
    assert word_errors("", "").wer == 0.0
    assert word_errors("", "hello").wer == 1.0
    assert word_errors("hello there", "").wer == 1.0


def test_pooled_wer_weights_by_reference_length() -> None:
    short = word_errors("yes", "no")  # 1 error in 1 word
    long = word_errors("one two three four five six seven eight nine", "one two three")
    assert pooled_wer([short, long]) == pytest.approx((1 + 6) / (1 + 9))
    assert pooled_wer([]) == 0.0
