"""Fitting a conversation to the LLM's context window: what is kept, what is dropped, and a
prefix that stays the same from one turn to the next (the local model's prompt cache)."""

from __future__ import annotations

import pytest
from livekit.agents import llm
from voice_agent.context_window import (
    MIN_WINDOW_TOKENS,
    ContextWindow,
    estimate_tokens,
    history_tail,
    item_tokens,
    prompt_tokens,
)
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit

PERSONA = "You are a patient tutor. Answer in one or two short spoken sentences."
NOTES = "Notes the user saved, in their words: my cat is called Tom; dentist on Friday."
WINDOW = ContextWindow(tokens=1024, reply_tokens=120, turn_tokens=200)


def _user(i: int) -> str:
    return f"Question {i}: tell me something about the number {i} and why it matters to people."


def _reply(i: int) -> str:
    return f"Answer {i}: the number {i} shows up in many places, like calendars and clocks."


def conversation(turns: int) -> llm.ChatContext:
    """The persona, a greeting, then ``turns`` questions and answers."""
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="system", content=PERSONA)
    ctx.add_message(role="assistant", content="Hello! What shall we learn?")
    for i in range(turns):
        ctx.add_message(role="user", content=_user(i))
        ctx.add_message(role="assistant", content=_reply(i))
    return ctx


def request(past: llm.ChatContext, question: str) -> llm.ChatContext:
    """What the assistant's llm_node asks for: the conversation, the per-reply context (the
    user's notes) and the user's new words."""
    ctx = past.copy()
    ctx.add_message(role="system", content=NOTES)
    ctx.add_message(role="user", content=question)
    return ctx


def texts(ctx: llm.ChatContext) -> list[str]:
    return [m.text_content or "" for m in ctx.messages()]


def test_a_short_conversation_is_sent_as_it_is() -> None:
    ctx = request(conversation(3), "And the number 4?")
    assert texts(WINDOW.fit(ctx)) == texts(ctx)


def test_a_long_conversation_keeps_the_persona_the_notes_and_the_newest_turns() -> None:
    ctx = request(conversation(100), "And the number 100?")
    fitted = WINDOW.fit(ctx)
    kept = texts(fitted)
    assert kept[0] == PERSONA
    assert kept[-2:] == [NOTES, "And the number 100?"]
    assert kept[-4:-2] == [_user(99), _reply(99)]  # the newest turns, in order
    assert _user(0) not in kept  # the oldest went
    assert prompt_tokens(fitted) <= WINDOW.tokens - WINDOW.reply_tokens
    # whole turns: what follows the persona starts with a user's question
    assert fitted.messages()[1].role == "user"
    # the history left is still a good part of the window, not a sliver
    assert prompt_tokens(fitted) > (WINDOW.tokens - WINDOW.reply_tokens) // 3


def test_consecutive_turns_share_their_prefix_until_a_chunk_is_dropped() -> None:
    past = conversation(0)
    prefixes: list[list[str]] = []
    for i in range(120):
        question = _user(i)
        fitted = WINDOW.fit(request(past, question))
        assert prompt_tokens(fitted) <= WINDOW.tokens - WINDOW.reply_tokens
        # the conversation part of the request, before this turn's notes and question
        prefixes.append(texts(fitted)[:-2])
        past.add_message(role="user", content=question)
        past.add_message(role="assistant", content=_reply(i))
        # the prefill after the reply cuts where the next request will
        prefill = texts(WINDOW.fit(past))
        following = texts(WINDOW.fit(request(past, _user(i + 1))))[:-2]
        assert following == prefill
    # each request extends the one before, except when a chunk of old turns is dropped
    shared = [
        later[: len(earlier)] == earlier
        for earlier, later in zip(prefixes, prefixes[1:], strict=False)
    ]
    cuts = [i for i, same in enumerate(shared) if not same]
    assert len(cuts) >= 2
    # in chunks: several turns reuse the same prefix between two cuts, never one cut a turn
    assert min(later - earlier for earlier, later in zip(cuts, cuts[1:], strict=False)) >= 3


def test_a_tool_call_is_dropped_with_its_output() -> None:
    ctx = conversation(0)
    for i in range(40):
        ctx.add_message(role="user", content=_user(i))
        ctx.insert(llm.FunctionCall(call_id=f"c{i}", name="recall_notes", arguments="{}"))
        ctx.insert(llm.FunctionCallOutput(call_id=f"c{i}", output=_reply(i), is_error=False))
        ctx.add_message(role="assistant", content=_reply(i))
    fitted = WINDOW.fit(request(ctx, "Thanks."))
    calls = {i.call_id for i in fitted.items if i.type == "function_call"}
    outputs = {i.call_id for i in fitted.items if i.type == "function_call_output"}
    assert calls == outputs and calls
    assert len(calls) < 40


def test_one_huge_message_is_shortened_to_fit() -> None:
    huge = "Please read this. " + "The cat sat on the mat and looked at the rain. " * 800
    fitted = WINDOW.fit(request(conversation(5), huge))
    kept = texts(fitted)
    assert kept[0] == PERSONA and kept[-2] == NOTES
    assert kept[-1].startswith("Please read this. The cat sat") and kept[-1].endswith(" …")
    assert prompt_tokens(fitted) <= WINDOW.tokens - WINDOW.reply_tokens
    # the earlier turns made way first
    assert [m.role for m in fitted.messages()] == ["system", "system", "user"]


def test_an_oversized_persona_is_shortened_last() -> None:
    persona = "Speak like a pirate. " * 600
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="system", content=persona)
    ctx.add_message(role="user", content="Hello there!")
    fitted = WINDOW.fit(ctx)
    assert texts(fitted)[-1] == "Hello there!"
    assert texts(fitted)[0].startswith("Speak like a pirate.")
    assert prompt_tokens(fitted) <= WINDOW.tokens - WINDOW.reply_tokens


def test_tools_take_their_share_of_the_window() -> None:
    ctx = request(conversation(100), "More?")
    without = WINDOW.fit(ctx)
    with_tools = WINDOW.fit(ctx, extra_tokens=300)
    assert len(with_tools.items) < len(without.items)
    assert prompt_tokens(with_tools, extra_tokens=300) <= WINDOW.tokens - WINDOW.reply_tokens


def test_the_window_comes_from_the_settings() -> None:
    window = ContextWindow.from_settings(AgentSettings())
    assert (window.tokens, window.reply_tokens) == (4096, 120)
    assert window.turn_tokens > estimate_tokens("a" * 2000) // 2
    remote = AgentSettings(llm={"provider": "openai", "api_key": "k", "context_tokens": 32000})
    assert ContextWindow.from_settings(remote).tokens == 32000


def test_after_a_failure_requests_are_at_most_half_its_size() -> None:
    shrunk = WINDOW.shrunk(800)
    assert shrunk.tokens - shrunk.reply_tokens == 400
    fitted = shrunk.fit(request(conversation(100), "Again?"))
    assert prompt_tokens(fitted) <= 400
    assert WINDOW.shrunk(100).tokens == MIN_WINDOW_TOKENS  # a floor
    small = ContextWindow(tokens=300, reply_tokens=60, turn_tokens=50)
    assert small.shrunk(250).tokens == 300  # never grows


def test_a_cache_breakpoint_in_the_persona_costs_nothing() -> None:
    marked = llm.ChatMessage(role="system", content=[PERSONA, llm.CacheBreakpoint()])
    plain = llm.ChatMessage(role="system", content=[PERSONA])
    assert item_tokens(marked) == item_tokens(plain)


@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("", 0),
        ("Hello there, how are you today?", 7),
        ("0176 55512345", 12),  # every digit is a token
        ("hahahahahahahahahaha", 10),  # repeats split finely
        ("我们今天去公园散步吧。", 11),
        ("aBcDeFgHiJ", 8),  # camel humps
    ],
)
def test_the_estimate_counts_generously(text: str, at_least: int) -> None:
    assert estimate_tokens(text) >= at_least


def test_a_reloaded_history_keeps_its_newest_whole_turns() -> None:
    ctx = conversation(100)
    ctx.items.pop(0)  # a stored conversation has no system prompt
    tail = history_tail(ctx, 500)
    assert texts(tail)[-2:] == [_user(99), _reply(99)]
    assert tail.messages()[0].role == "user"
    assert sum(item_tokens(i) for i in tail.items) <= 500
    assert len(tail.items) > 10
    # a single turn longer than the budget is still kept (the request shortens it)
    assert texts(history_tail(ctx, 1)) == [_user(99), _reply(99)]


def test_a_message_whose_text_changed_is_counted_again() -> None:
    message = llm.ChatMessage(role="assistant", content=["Short."])
    before = item_tokens(message)
    message.content.append("And now a much longer second part, added after it was counted.")
    assert item_tokens(message) > before


def test_even_the_smallest_window_gets_a_request_that_fits() -> None:
    tiny = ContextWindow(tokens=MIN_WINDOW_TOKENS, reply_tokens=120, turn_tokens=967)
    ctx = conversation(10)
    ctx.add_message(
        role="system", content="Notes the user saved: " + "a long note. " * 44
    )  # ~600 chars
    ctx.add_message(role="user", content="Tell me everything. " * 500)
    fitted = tiny.fit(ctx)
    assert prompt_tokens(fitted) <= tiny.tokens - tiny.reply_tokens
    assert [m.role for m in fitted.messages()] == ["system", "system", "user"]
    assert texts(fitted)[-1].startswith("Tell me everything.")
