"""An A/B variant's providers through the real stack: livekit-server, backend and the agent
worker, whose LLM chain is Azure OpenAI first and an OpenAI-compatible server after it (both
bench/fake_cloud.py, in its own process; STT and TTS are ``openai`` there too, no model
host). An experiment whose variants name ``openai`` for the LLM: the call's question goes to
the OpenAI route, never to the Azure deployment, and analytics counts the call under the
providers it used. Then one naming ``azure`` for the TTS, which this worker does not
configure: the call runs on the worker's chain, and its timeline says so.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [
    str(ROOT / "bench"),
    str(ROOT / "bench" / "latency"),
    str(ROOT / "bench" / "capacity"),
]

from cloud import FakeCloudProcess, agent_env  # noqa: E402
from fake_cloud import CLOUD_REPLY  # noqa: E402
from speech import speak, with_silence  # noqa: E402
from stack_runner import (  # noqa: E402
    StackFailed,
    free_stack_ports,
    stack_env,
    start_stack,
    stop_stack,
)
from voice_client import VoiceClient  # noqa: E402

QUESTION = "What is the capital of France?"
PORTS = free_stack_ports()
BACKEND = f"http://127.0.0.1:{PORTS['BACKEND_PORT']}"
DEPLOYMENT = "gpt-azure-control"
AZURE_ROUTE = f"/openai/deployments/{DEPLOYMENT}/chat/completions"


def _request(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        BACKEND + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def _run_experiment(name: str, providers: dict[str, str]) -> str:
    """A running experiment whose two variants both name ``providers`` (the caller's
    variant is then known whatever their bucket). The no-login mode's user is an operator."""
    overrides = {"providers": providers}
    variants = [
        {"key": "a", "split": 50, "overrides": overrides},
        {"key": "b", "split": 50, "overrides": overrides},
    ]
    experiment = _request("POST", "/api/experiments", {"name": name, "variants": variants})
    _request("POST", f"/api/experiments/{experiment['id']}/start", {})
    return str(experiment["id"])


def _events(conversation_id: str, wanted: int) -> list[dict[str, Any]]:
    """The conversation's timeline, once it holds ``wanted`` info events (journaled)."""
    deadline = time.monotonic() + 30
    while True:
        events = _request("GET", f"/api/conversations/{conversation_id}")["events"]
        info = [e for e in events if e["kind"] == "info"]
        if len(info) >= wanted or time.monotonic() > deadline:
            return info


@pytest.fixture(scope="module")
def cloud() -> Iterator[FakeCloudProcess]:
    server = FakeCloudProcess()
    yield server
    if server.proc.poll() is None:  # the test stops it to read what it served
        server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, cloud: FakeCloudProcess) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("stack")
    env = stack_env(state, PORTS, **agent_env(cloud.base_url))
    env.pop("AGENT_MAX_SESSIONS", None)
    env.update(
        {
            "AGENT_JOB_EXECUTOR": "thread",
            "AGENT_LLM__PROVIDER": "azure",
            "AGENT_LLM__BASE_URL": cloud.base_url.removesuffix("/v1"),
            "AGENT_LLM__API_KEY": "azure-key",
            "AGENT_LLM__DEPLOYMENT": DEPLOYMENT,
            "AGENT_LLM__API_VERSION": "2024-10-21",
            "AGENT_LLM__FALLBACK": json.dumps([{"provider": "openai", "base_url": cloud.base_url}]),
        }
    )
    try:
        proc = start_stack(env)
    except StackFailed as e:
        pytest.fail(str(e))
    try:
        yield state
    finally:
        stop_stack(proc)


async def one_call() -> tuple[str, str]:
    """A call with one question: the spoken answer and the conversation's id."""
    client = VoiceClient()
    try:
        await client.connect(BACKEND)
        await client.wait_greeting(timeout=120)
        result = await client.turn(QUESTION, with_silence(speak(QUESTION), 0.3, 0.0), timeout=60)
        assert client.call is not None
        return result.agent_text.strip(), client.call.conversation_id
    finally:
        await client.close()


def test_the_variants_llm_answers_and_an_unconfigured_provider_keeps_the_chain(
    stack: Path, cloud: FakeCloudProcess
) -> None:
    first = _run_experiment("OpenAI first", {"llm": "openai"})
    answer, conversation = asyncio.run(one_call())
    assert answer == CLOUD_REPLY
    [providers] = _events(conversation, 1)
    assert providers["detail"] == "providers: openai"  # not "stt=openai llm=azure tts=openai"
    report = _request("GET", "/api/analytics?by=provider&scope=all")
    assert [row["key"] for row in report["breakdown"]] == ["openai"]

    _request("POST", f"/api/experiments/{first}/stop", {})
    _run_experiment("Azure voice", {"tts": "azure"})
    answer, conversation = asyncio.run(one_call())
    assert answer == CLOUD_REPLY  # the worker's chain: Azure OpenAI, spoken by openai
    details = [e["detail"] for e in _events(conversation, 2)]
    assert details == [
        "providers: stt=openai llm=azure tts=openai",
        "variant providers not configured on this worker: tts=azure",
    ]

    served = json.loads(cloud.stop().removeprefix("fake-cloud: served "))
    assert served["/v1/chat/completions"] == 1  # the first call's question
    assert served[AZURE_ROUTE] == 1  # the second's
    log = (stack / "logs" / "agent.log").read_text()
    assert "the variant's provider is not configured on this worker" in log
