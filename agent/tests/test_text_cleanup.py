"""Numbered-list markers are stripped before TTS, streaming, without eating real numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from voice_agent.text_cleanup import strip_list_markers, strip_list_markers_text

pytestmark = pytest.mark.unit


async def _stream(chunks: list[str]) -> list[str]:
    async def source() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    return [out async for out in strip_list_markers(source())]


async def _joined(chunks: list[str]) -> str:
    return "".join(await _stream(chunks))


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (["1. Eat well."], "Eat well."),
        (["1", ".", " Eat"], "Eat"),  # a marker split over three tokens
        (["1. ", "Eat"], "Eat"),
        (["1.\tTab"], "Tab"),
        (["", "1. Eat"], "Eat"),
        (["  10. Ten"], "Ten"),  # indented, two digits
        (["  ", "1. x"], "x"),  # the indentation arrives as its own chunk
        (["Here:\n1) One\n2) Two"], "Here:\nOne\nTwo"),
        (["Here:\n", "1", ")", " ", "One", "\n", "2", ".", " Two"], "Here:\nOne\nTwo"),
        (["1. Eat well.\n", "2", ". Sleep."], "Eat well.\nSleep."),
        (["Hi", " there\n1", ". x"], "Hi there\nx"),  # marker starts at the end of a chunk
        (["a\n\n1. b"], "a\n\nb"),
    ],
)
async def test_streaming_strips_markers_at_line_start(chunks: list[str], expected: str) -> None:
    assert await _joined(chunks) == expected


@pytest.mark.parametrize(
    "chunks",
    [
        ["2024 was a good year."],
        ["2024", " was a good year."],
        ["5 pm is fine."],
        ["5", " pm is fine."],
        ["Meet at 5 pm."],
        ["3.5 percent"],
        ["3", ".", "5 percent"],  # a decimal, not "3." + "5 percent"
        ["Step 1. Do it"],  # not at the start of a line
        ["The answer is 42.", " Next"],
        ["Version 2.0\n"],
        ["12"],  # a lone number at the end of the stream is flushed, not swallowed
        ["1."],
    ],
)
async def test_streaming_keeps_numbers_that_are_not_markers(chunks: list[str]) -> None:
    assert await _joined(chunks) == "".join(chunks)


async def test_streaming_holds_back_only_a_possible_marker() -> None:
    # plain text is passed through chunk by chunk (TTS can start at once); only the
    # "5" that might begin "5. " waits for the next chunk
    out = await _stream(["Hello", " world", "\n", "5", " apples"])
    assert out[:2] == ["Hello", " world"]
    assert "".join(out) == "Hello world\n5 apples"


async def test_streaming_multi_line_list_from_many_small_chunks() -> None:
    text = "Tips:\n1. Sleep eight hours.\n2. Drink water.\n3. Walk daily, 30 minutes.\n"
    chunks = [text[i : i + 3] for i in range(0, len(text), 3)]
    assert (
        await _joined(chunks)
        == "Tips:\nSleep eight hours.\nDrink water.\nWalk daily, 30 minutes.\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "1. Eat well.\n2. Sleep.",
        "Here:\n 1) One\n 2) Two\nDone at 5 pm.",
        "2024 was good.\n3.5 percent grew.",
        "  ",
    ],
)
async def test_streaming_matches_whole_text_form_for_every_split(text: str) -> None:
    whole = strip_list_markers_text(text)
    for cut in range(len(text) + 1):
        assert await _joined([text[:cut], text[cut:]]) == whole, f"split at {cut}"
    assert await _joined(list(text)) == whole  # one character per chunk


def test_text_form() -> None:
    assert strip_list_markers_text("1. Eat well.\n2. Sleep.") == "Eat well.\nSleep."
    assert strip_list_markers_text("2024 was a good year.") == "2024 was a good year."
    assert strip_list_markers_text("Call me at 5 pm.\n10) Bye") == "Call me at 5 pm.\nBye"
    assert strip_list_markers_text("") == ""
