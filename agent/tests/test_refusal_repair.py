"""refusal_repair.py: the small model's refusal becomes a request to say it again, while
every other reply streams through as it comes."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest
from livekit.agents import FlushSentinel, llm
from voice_agent.refusal_repair import Chunk, unclear_for_refusal, verdict

pytestmark = pytest.mark.unit

UNCLEAR = "Sorry, I didn't catch that. Could you say it again?"


def _chunk(text: str) -> llm.ChatChunk:
    return llm.ChatChunk(id="r", delta=llm.ChoiceDelta(role="assistant", content=text))


class Model:
    """A reply streamed token by token; records how far it was read and whether it was
    closed."""

    def __init__(self, *tokens: str | Chunk) -> None:
        self.tokens = [_chunk(t) if isinstance(t, str) else t for t in tokens]
        self.read = 0
        self.closed = False

    async def stream(self) -> AsyncGenerator[Chunk, None]:
        try:
            for token in self.tokens:
                self.read += 1
                yield token
        finally:
            self.closed = True


def _text(chunks: list[Chunk]) -> str:
    parts: list[str] = []
    for c in chunks:
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, llm.ChatChunk) and c.delta is not None:
            parts.append(c.delta.content or "")
    return "".join(parts)


async def _all(model: Model) -> list[Chunk]:
    return [c async for c in unclear_for_refusal(model.stream(), UNCLEAR)]


@pytest.mark.parametrize(
    "tokens",
    [
        ("I", "'m", " sorry", ",", " but", " I", " can", "'t", " assist", " with", " that", "."),
        ("Sorry", ",", " but", " I", " can\u2019t", " help", " with", " that", ".", " Ask", " me"),
        ("I", " cannot", " assist", " with", " that"),  # the reply ends without a full stop
    ],
)
async def test_a_refusal_is_replaced_and_the_rest_of_the_reply_not_read(
    tokens: tuple[str, ...],
) -> None:
    whole = (*tokens, " If", " you", " have", " other", " questions", ".", " Bye", ".")
    model = Model(*whole)
    assert await _all(model) == [UNCLEAR]
    assert model.closed
    assert model.read == whole.index(".") + 1  # read to the end of the first sentence only


@pytest.mark.parametrize(
    "tokens",
    [
        ("I", "'m", " sorry", " to", " hear", " that", ".", " Get", " some", " rest", "."),
        ("Sorry", ",", " the", " answer", " is", " Paris", "."),
        ("I", " think", " it", " is", " Paris", "."),
        ("I",),
        ("",),
    ],
)
async def test_other_replies_pass_whole_and_unchanged(tokens: tuple[str, ...]) -> None:
    model = Model(*tokens)
    out = await _all(model)
    assert _text(out) == "".join(tokens)
    assert len(out) == len(tokens)


async def test_a_reply_that_cannot_be_a_refusal_is_not_held_back() -> None:
    model = Model("The", " capital", " of", " France", " is", " Paris", ".")
    stream = unclear_for_refusal(model.stream(), UNCLEAR)
    first = await anext(stream)
    assert _text([first]) == "The" and model.read == 1
    rest = [c async for c in stream]
    assert _text([first, *rest]) == "The capital of France is Paris."


async def test_an_opening_like_a_refusal_is_held_only_to_its_first_sentence() -> None:
    model = Model("I", "'m", " sorry", " to", " hear", " that", ".", " Rest", " well", ".")
    stream = unclear_for_refusal(model.stream(), UNCLEAR)
    first = await anext(stream)
    assert _text([first]) == "I" and model.read == 7  # up to the first "."


async def test_a_tool_call_and_a_flush_pass_through() -> None:
    call = llm.ChatChunk(
        id="r",
        delta=llm.ChoiceDelta(
            role="assistant",
            tool_calls=[llm.FunctionToolCall(name="recall_notes", arguments="{}", call_id="c")],
        ),
    )
    flush = FlushSentinel()
    model = Model(call, flush, "I")
    assert await _all(model) == model.tokens


def test_verdict_waits_while_the_opening_could_still_be_a_refusal() -> None:
    assert verdict("I", ended=False) is None
    assert verdict("I'm sorry, but", ended=False) is None
    assert verdict("I'm sorry, but I can't assist with that.", ended=False) == "refusal"
    assert verdict("I'm happy", ended=False) == "reply"
    assert verdict("Unfortunately, it rained.", ended=False) == "reply"
    assert verdict("   ", ended=True) == "reply"
