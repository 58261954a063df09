"""A user turn that got no answer joins the next one in what the LLM is asked, while the
history keeps both as heard, and the prompt cache's prefill joins them the same way."""

from __future__ import annotations

import asyncio

import pytest
from livekit.agents import AgentSession, llm
from test_session import ScriptedLLM
from voice_agent.assistant import Assistant
from voice_agent.settings import AgentSettings
from voice_agent.turn_joining import join_unanswered

pytestmark = pytest.mark.unit

PERSONA = "You are a patient tutor. Answer in one or two short spoken sentences."
GREETING = "Hello! What shall we learn?"


def texts(ctx: llm.ChatContext) -> list[tuple[str, str]]:
    return [(m.role, m.text_content or "") for m in ctx.messages()]


def opening(*user: str) -> llm.ChatContext:
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="assistant", content=GREETING)
    for said in user:
        ctx.add_message(role="user", content=said)
    return ctx


def test_a_fragment_and_what_followed_are_asked_as_one_sentence() -> None:
    ctx = opening("What is the capital of.", "France?")
    joined = join_unanswered(ctx)
    assert texts(joined) == [("assistant", GREETING), ("user", "What is the capital of France?")]
    assert texts(ctx)[-2:] == [("user", "What is the capital of."), ("user", "France?")]


def test_three_unanswered_turns_become_one_and_a_question_mark_stays() -> None:
    joined = join_unanswered(opening("Tell me a joke?", "About cats.", "A short one."))
    assert texts(joined)[-1] == ("user", "Tell me a joke? About cats A short one.")
    assert len(joined.messages()) == 2


def test_a_reply_cut_short_still_separates_the_turns() -> None:
    ctx = opening("Tell me about Mars.")
    ctx.add_message(role="assistant", content="Mars is the", interrupted=True)
    ctx.add_message(role="user", content="No, Venus.")
    assert join_unanswered(ctx) is ctx  # nothing to join: the same context, not a copy


def test_a_shared_image_stays_a_message_of_its_own() -> None:
    ctx = opening()
    picture = llm.ImageContent(image="data:image/png;base64,iVBORw0KGgo=")
    ctx.add_message(role="user", content=["(I shared the image cat.png.)", picture])
    ctx.add_message(role="user", content="What is in it?")
    assert join_unanswered(ctx) is ctx


class PrefillingLLM(ScriptedLLM):
    """A local-style LLM: the assistant prefills its prompt cache after each reply."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.prefilled: list[llm.ChatContext] = []

    async def prefill(self, ctx: llm.ChatContext, tools: object = None) -> None:
        self.prefilled.append(ctx.copy())


async def test_the_assistant_asks_the_whole_sentence_and_keeps_the_cache_prefix() -> None:
    settings = AgentSettings(instructions=PERSONA)
    scripted = PrefillingLLM("The capital of France is Paris.")
    agent = Assistant(settings)
    async with AgentSession(llm=scripted) as session:
        await session.start(agent)
        if session.current_speech is not None:  # the greeting
            await session.current_speech.wait_for_playout()
        # the fragment was committed as a turn, and its reply interrupted before it was heard
        fragment = agent.chat_ctx.copy()
        fragment.add_message(role="user", content="What is the capital of.")
        await agent.update_chat_ctx(fragment)
        await session.run(user_input="France?")
        if agent._prefill_task is not None:
            await asyncio.wait_for(agent._prefill_task, 5)
        kept = texts(agent.chat_ctx)

    [asked] = scripted.seen
    users = [text for role, text in texts(asked) if role == "user"]
    assert users == ["What is the capital of France?"]
    # the history keeps both parts as they were heard, and the answer
    assert ("user", "What is the capital of.") in kept and ("user", "France?") in kept
    assert kept[-1][0] == "assistant" and "Paris" in kept[-1][1]
    # the prefill after the reply starts with what was asked: the cache prefix holds
    after = texts(scripted.prefilled[-1])
    assert after[: len(texts(asked))] == texts(asked)
