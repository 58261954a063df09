"""A worker with remote providers imports no code it does not use: Microsoft's Speech SDK
only where a section names azure, and none of the offline models' libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

PROBE = """
import json, sys
from voice_agent.settings import AgentSettings
from voice_agent.providers.registry import build_providers, import_plugins
import voice_agent.main
names = ("livekit.plugins.azure", "azure.cognitiveservices.speech", "llama_cpp",
         "moonshine_voice", "piper")
settings = AgentSettings()
import_plugins(settings)
planned = {n: n in sys.modules for n in names}
build_providers(settings, warm=False)
print(json.dumps({"planned": planned, "built": {n: n in sys.modules for n in names}}))
"""


def _imported(env: dict[str, str]) -> dict[str, dict[str, bool]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, dict[str, bool]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _remote(provider: str, **extra: str) -> dict[str, str]:
    env = {}
    for kind in ("STT", "LLM", "TTS"):
        env[f"AGENT_{kind}__PROVIDER"] = provider
        env[f"AGENT_{kind}__BASE_URL"] = "http://127.0.0.1:9/v1"
    return {**env, **extra}


def test_openai_providers_import_neither_azure_nor_the_offline_models() -> None:
    assert _imported(_remote("openai"))["built"] == {
        "livekit.plugins.azure": False,
        "azure.cognitiveservices.speech": False,
        "llama_cpp": False,
        "moonshine_voice": False,
        "piper": False,
    }


def test_a_section_naming_azure_imports_its_plugin_up_front() -> None:
    env = _remote("openai", AGENT_TTS__PROVIDER="azure", AGENT_TTS__API_KEY="k")
    env.pop("AGENT_TTS__BASE_URL")
    env["AGENT_TTS__REGION"] = "westeurope"
    # by the worker's main thread, before any job process (the framework registers it there)
    assert _imported(env)["planned"]["livekit.plugins.azure"] is True


def test_the_forkserver_preload_leaves_the_tls_context_made() -> None:
    probe = (
        "import voice_agent.main, voice_agent.preload\n"
        "from voice_agent import http_clients\n"
        "print(http_clients.tls_context.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "1"
