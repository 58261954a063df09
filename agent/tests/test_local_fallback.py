"""The offline model as the last line of a chain: an OpenAI-compatible server that refuses
connections comes first, and the local Qwen still answers the turn (real model)."""

from __future__ import annotations

import asyncio

import pytest
from fake_cloud import refused_url
from livekit.agents import AgentSession
from prometheus_client import REGISTRY
from voice_agent.assistant import Assistant
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.registry import build_llm
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.models


async def test_a_refused_remote_llm_falls_back_to_the_local_model(
    settings: AgentSettings,
) -> None:
    chained = settings.model_copy(
        update={
            "llm": settings.llm.model_copy(
                update={
                    "provider": "openai",
                    "base_url": refused_url(),
                    "fallback": [settings.llm.model_copy(update={"provider": "local"})],
                }
            )
        }
    )
    labels = {"source": "llm", "provider": "openai"}
    before = REGISTRY.get_sample_value("va_agent_fallbacks_total", labels) or 0.0
    chain = build_llm(chained, BuildOptions(chained, warm=False))
    async with AgentSession(llm=chain) as session:
        await session.start(Assistant(chained))
        if session.current_speech is not None:
            await session.current_speech.wait_for_playout()  # the greeting
        result = await asyncio.wait_for(
            session.run(user_input="What is the capital of France?"), 120
        )
    reply = result.expect.next_event().is_message(role="assistant").event().item
    assert "paris" in (reply.text_content or "").lower(), reply.text_content
    assert REGISTRY.get_sample_value("va_agent_fallbacks_total", labels) == before + 1
    await chain.aclose()
