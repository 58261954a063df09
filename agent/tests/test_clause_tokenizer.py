"""Chunking the LLM's text for Piper: clause marks, eager sentence ends, first words."""

from __future__ import annotations

import pytest
from voice_agent.local_models.clause_tokenizer import ClauseTokenizer, split_clauses

pytestmark = pytest.mark.unit

ANSWER = ["The", " capital", " of", " France", " is", " Paris", ".", " It", " is", " 3", ".", "5",
          " km", " wide", "!"]  # fmt: skip


async def chunks_by_token(tokenizer: ClauseTokenizer, tokens: list[str]) -> list[tuple[int, str]]:
    """(index of the token whose push released the chunk, chunk)."""
    stream = tokenizer.stream()
    out: list[tuple[int, str]] = []
    for i, token in enumerate(tokens, 1):
        stream.push_text(token)
        while not stream._event_ch.empty():  # noqa: SLF001 - what push released so far
            out.append((i, (await stream.__anext__()).token))
    stream.end_input()
    out.extend([(len(tokens) + 1, ev.token) async for ev in stream])
    return out


def test_split_at_sentence_ends_and_long_enough_clauses() -> None:
    text = "Sure, I can help. The capital of France, as you know, is Paris. Done"
    assert [c for c, _, _ in split_clauses(text, 12)] == [
        "Sure, I can help.",  # "Sure," is shorter than a clause
        "The capital of France,",
        "as you know,",
        "is Paris.",
        "Done",
    ]


def test_eager_end_only_after_a_word_not_a_number() -> None:
    assert split_clauses("The capital is Paris.", 12, eager=True)[-1][0] == ""
    assert split_clauses("It costs 3.", 12, eager=True)[-1][0] == "It costs 3."
    assert split_clauses("The capital is Paris.", 12)[-1][0] == "The capital is Paris."


async def test_a_sentence_is_released_by_its_own_full_stop() -> None:
    got = await chunks_by_token(ClauseTokenizer(), ANSWER)
    # "Paris." goes out with the "." (token 7), not one token later; "3.5" is not cut
    assert got == [(7, "The capital of France is Paris."), (15, "It is 3.5 km wide!")]


async def test_first_chunk_may_end_after_a_few_words() -> None:
    got = await chunks_by_token(ClauseTokenizer(first_chunk_words=3), ANSWER)
    assert got[0] == (4, "The capital of")  # out as " France" begins
    assert [c for _, c in got[1:]] == ["France is Paris.", "It is 3.5 km wide!"]


async def test_short_reply_is_one_chunk_even_with_first_words() -> None:
    got = await chunks_by_token(
        ClauseTokenizer(first_chunk_words=4), ["Sure", ",", " I", " can", "."]
    )
    assert [c for _, c in got] == ["Sure, I can."]
