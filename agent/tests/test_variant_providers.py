"""An A/B variant's providers (room metadata ``providers``): the named provider serves the
call first, built from the worker's own settings for it, the worker's chain after it; a
provider the worker does not configure leaves the worker's chain, logged and reported.

The OpenAI LLM is the real plugin talking real HTTP to the local fake cloud
(bench/fake_cloud.py); the timeline goes to the real backend (in-process)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import httpx
import pytest
from backend_helpers import BASE, dispatch_metadata, new_room
from fake_cloud import FakeOpenAI
from livekit.agents import AgentSession, llm
from livekit.plugins import openai as openai_plugin
from test_session import _providers
from test_timeline import conversation_events
from voice_agent import main
from voice_agent.assistant import Assistant
from voice_agent.providers.first_token import FirstTokenTimeoutLLM
from voice_agent.providers.local import Providers
from voice_agent.providers.registry import LLMChain
from voice_agent.providers.variant import choose
from voice_agent.settings import AgentSettings, ProviderName
from voice_agent.state import RoomProfile

pytestmark = pytest.mark.unit

LOCAL_REPLY = "The worker's own model answers."
CLOUD_REPLY = "The variant's cloud model answers."


class _FakeJob:
    def __init__(self, room: str = "va-room", dispatch: str = "") -> None:
        self.room = SimpleNamespace(name=room)
        self.job = SimpleNamespace(metadata=dispatch)
        self.shutdown_callbacks: list[Callable[[str], Awaitable[None]]] = []

    def add_shutdown_callback(self, callback: Callable[[str], Awaitable[None]]) -> None:
        self.shutdown_callbacks.append(callback)

    async def shutdown(self) -> None:
        for callback in self.shutdown_callbacks:
            await callback("job_shutdown")


@pytest.fixture
async def cloud() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI(reply=CLOUD_REPLY).start()
    yield server
    await server.aclose()


def _worker(cloud: FakeOpenAI, **extra: Any) -> AgentSettings:
    """The offline default, with the fake cloud configured as the LLM's fallback."""
    fallback = [{"provider": "openai", "base_url": cloud.base_url, "model": "gpt-variant"}]
    return AgentSettings(
        llm={"provider": "local", "fallback": fallback, "first_token_timeout_s": 5.0}, **extra
    )


def _room(**providers: Any) -> RoomProfile:
    metadata = {"persona": "assistant", "experiment": {"id": "e1", "variant": "cloud"}}
    return RoomProfile.parse(json.dumps({**metadata, "providers": providers}))


def _built() -> Providers:
    """Stand-ins for the worker's prewarmed (local) providers."""
    return _providers(LOCAL_REPLY)


async def _answer(settings: AgentSettings, model: llm.LLM[Any]) -> str:
    async with AgentSession[Any](llm=model) as session:
        await session.start(Assistant(settings))
        if session.current_speech is not None:  # the greeting
            await session.current_speech.wait_for_playout()
        result = await session.run(user_input="What is the capital of France?")
    said = [
        ev.item.text_content or ""
        for ev in result.events
        if isinstance(ev.item, llm.ChatMessage) and ev.item.role == "assistant"
    ]
    return " ".join(said).strip()


# --- the room metadata and the call's settings ---------------------------------------------


def test_the_room_names_providers_by_kind_and_unknown_names_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _room(llm="openai", tts="azure").providers == (("llm", "openai"), ("tts", "azure"))
    with caplog.at_level(logging.WARNING):
        assert _room(stt="whisper-cloud", llm=["openai"], tts="local").providers == (
            ("tts", "local"),
        )
        assert RoomProfile.parse(json.dumps({"providers": "openai"})).providers == ()
    ignored = {getattr(r, "field", None) for r in caplog.records}
    assert {"providers.stt", "providers.llm", "providers"} <= ignored
    assert RoomProfile.parse(json.dumps({"persona": "assistant"})).providers == ()


def test_the_backend_accepts_exactly_the_registrys_names() -> None:
    from app.experiments.schemas import PROVIDER_NAMES

    assert set(get_args(ProviderName)) == PROVIDER_NAMES


def test_the_named_provider_goes_first_and_the_workers_chain_follows(
    cloud: FakeOpenAI,
) -> None:
    worker = _worker(cloud)
    call = choose(worker, [("llm", "openai")])
    assert call.unavailable == ()
    section = call.settings.llm
    assert (section.provider, section.base_url, section.model) == (
        "openai",
        cloud.base_url,
        "gpt-variant",
    )
    assert [c.provider for c in section.fallback] == ["local"]
    assert section.first_token_timeout_s == 5.0  # the section's own settings stay
    assert call.settings.stt == worker.stt and call.settings.turn == worker.turn
    assert worker.llm.provider == "local"  # the worker's settings, for the next call, unchanged
    # already first: nothing changes
    assert choose(worker, [("llm", "local"), ("stt", "local")]).settings.llm == worker.llm


def test_a_provider_the_worker_does_not_configure_keeps_its_chain(
    cloud: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    worker = _worker(cloud)
    with caplog.at_level(logging.WARNING, logger="voice_agent.providers"):
        call = choose(worker, [("llm", "azure"), ("tts", "openai")])
    assert call.settings.llm == worker.llm and call.settings.tts == worker.tts
    assert call.unavailable == ("llm=azure", "tts=openai")
    warned = [(r.source, r.provider) for r in caplog.records if r.levelno == logging.WARNING]  # type: ignore[attr-defined]
    assert warned == [("llm", "azure"), ("tts", "openai")]


# --- the call -----------------------------------------------------------------------------


async def test_a_call_whose_variant_names_openai_asks_the_openai_server(
    cloud: FakeOpenAI,
) -> None:
    worker = _worker(cloud)
    room = _room(llm="openai")
    call = choose(room.for_call(worker), room.providers)
    built = _built()
    job = _FakeJob()
    providers = main.call_providers(job, worker, call.settings, built, room.language)  # type: ignore[arg-type]

    assert providers.stt is built.stt and providers.tts is built.tts  # only the LLM changed
    assert isinstance(providers.llm, LLMChain)
    first = providers.llm._llm_instances[0]
    assert isinstance(first, FirstTokenTimeoutLLM)
    assert isinstance(first.inner, openai_plugin.LLM)
    assert str(first.inner._client.base_url).rstrip("/") == cloud.base_url

    assert await _answer(call.settings, providers.llm) == CLOUD_REPLY
    [request] = [r for r in cloud.requests if r.path == "/v1/chat/completions"]
    assert request.body["model"] == "gpt-variant"
    await job.shutdown()  # the call's own chain is closed with the call


async def test_a_call_whose_variants_provider_is_not_configured_gets_the_workers_chain(
    cloud: FakeOpenAI,
) -> None:
    worker = _worker(cloud)
    room = _room(llm="azure")
    call = choose(room.for_call(worker), room.providers)
    built = _built()
    job = _FakeJob()
    providers = main.call_providers(job, worker, call.settings, built, room.language)  # type: ignore[arg-type]
    assert providers is built and job.shutdown_callbacks == []
    assert await _answer(call.settings, providers.llm) == LOCAL_REPLY
    assert cloud.requests == []


async def test_the_timeline_names_what_the_call_used(
    cloud: FakeOpenAI, backend_app: Any, backend_token: str, journal_dir: Path
) -> None:
    worker = _worker(cloud, backend_url=BASE, service_token=backend_token)
    room_name = await new_room(backend_app)
    call = choose(worker, [("llm", "openai"), ("tts", "azure")])
    job = _FakeJob(room_name, dispatch_metadata(backend_app, room_name))
    async with AgentSession[Any](llm=_built().llm) as session:
        await main.start_persistence(
            job,  # type: ignore[arg-type]
            call.settings,
            session,
            unavailable=call.unavailable,
            transport=httpx.ASGITransport(app=backend_app),
        )
    await job.shutdown()

    events = await conversation_events(backend_app, room_name)
    assert [(e["kind"], e["detail"]) for e in events] == [
        ("info", "providers: stt=local llm=openai tts=local"),
        ("info", "variant providers not configured on this worker: tts=azure"),
    ]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=backend_app), base_url=BASE
    ) as c:
        report = (await c.get("/api/analytics", params={"by": "provider"})).json()
    assert [row["key"] for row in report["breakdown"]] == ["stt=local llm=openai tts=local"]
