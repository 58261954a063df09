"""``python -m voice_agent.console`` (``make console``): chat with the assistant in the
terminal, typed text in and out, on the local LLM. No audio, no LiveKit server, no backend
(notes last for the session). An empty line or end of input quits."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from livekit.agents import AgentSession, RunResult, llm

from .assistant import Assistant
from .settings import AgentSettings

PROMPT = "you> "


def local_llm(settings: AgentSettings) -> llm.LLM[Any]:
    """Only the LLM of the local provider set (no STT/TTS/VAD to load)."""
    from .local_models import LlamaCppLLM
    from .providers.local import llama_engine, omp_environment

    omp_environment(settings)
    engine = llama_engine(settings)
    engine.warm_up(settings.instructions, settings.greeting)
    return LlamaCppLLM(engine=engine)


async def chat(settings: AgentSettings, model: llm.LLM[Any], stdin: TextIO, stdout: TextIO) -> None:
    agent = Assistant(settings)
    async with AgentSession(llm=model) as session:
        await session.start(agent)
        if session.current_speech is not None:
            await session.current_speech.wait_for_playout()
        print(f"assistant> {settings.greeting}", file=stdout, flush=True)
        while True:
            print(PROMPT, end="", file=stdout, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            text = line.strip()
            if not text:
                print(file=stdout)
                return
            result: RunResult[None] = await session.run(user_input=text)
            for event in result.events:
                item = event.item
                if isinstance(item, llm.ChatMessage) and item.role == "assistant":
                    print(f"assistant> {(item.text_content or '').strip()}", file=stdout)
                elif isinstance(item, llm.FunctionCall):
                    print(f"  [tool {item.name}({item.arguments})]", file=stdout)
            stdout.flush()


def main() -> None:
    from .main import load_settings

    settings = load_settings()
    print("loading the local LLM...", file=sys.stderr, flush=True)
    model = local_llm(settings)
    try:
        asyncio.run(chat(settings, model, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        print(file=sys.stdout)


if __name__ == "__main__":
    main()
