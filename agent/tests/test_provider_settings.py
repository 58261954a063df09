"""Provider settings: nested stt/llm/tts sections with ordered fallbacks, from the
environment or a TOML file (AGENT_CONFIG_FILE; the environment wins). Bad configuration
stops the worker with one line naming the setting, before any model or network."""

from __future__ import annotations

import os
import sys
import typing
from pathlib import Path

import pytest
from livekit.agents import llm, stt, tts
from livekit.plugins import azure as azure_plugin
from livekit.plugins import openai as openai_plugin
from voice_agent import main
from voice_agent.providers import azure as azure_providers
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.registry import (
    LLM_PROVIDERS,
    STT_PROVIDERS,
    TTS_PROVIDERS,
    build_llm,
    build_stt,
    build_tts,
)
from voice_agent.settings import AgentSettings, ProviderConfig, ProviderName

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("AGENT_", "LIVEKIT_", "OPENAI_", "AZURE_")):
            monkeypatch.delenv(key)


def _load(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """``voice-agent console`` settings loading; returns its one line on stderr (exit 2)."""
    monkeypatch.setattr(sys, "argv", ["voice-agent", "console"])
    monkeypatch.setattr(main, "llm_gguf", lambda model_dir, name: model_dir / f"{name}.gguf")
    with pytest.raises(SystemExit) as info:
        main.load_settings()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("voice-agent: "), err
    return err


def test_the_default_is_local_everywhere_without_fallbacks() -> None:
    s = AgentSettings()
    for section in (s.stt, s.llm, s.tts):
        assert section.provider == "local" and section.fallback == []
    assert s.llm.first_token_timeout_s == 8.0


def test_every_provider_name_has_a_factory_of_each_kind() -> None:
    names = set(typing.get_args(ProviderName))
    assert names == set(STT_PROVIDERS) == set(LLM_PROVIDERS) == set(TTS_PROVIDERS)


def test_fallback_chain_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_LLM__PROVIDER", "openai")
    monkeypatch.setenv("AGENT_LLM__API_KEY", "sk-from-env")
    monkeypatch.setenv("AGENT_LLM__MODEL", "gpt-4.1-mini")
    monkeypatch.setenv(
        "AGENT_LLM__FALLBACK",
        '[{"provider": "openai", "base_url": "http://127.0.0.1:11434/v1/"}, {"provider": "local"}]',
    )
    s = AgentSettings()
    assert s.llm.provider == "openai" and s.llm.model == "gpt-4.1-mini"
    assert s.llm.api_key is not None and s.llm.api_key.get_secret_value() == "sk-from-env"
    assert [(f.provider, f.base_url) for f in s.llm.fallback] == [
        ("openai", "http://127.0.0.1:11434/v1"),
        ("local", None),
    ]
    assert "sk-from-env" not in repr(s)


CONFIG = """
greeting = "Hi from the file."

[llm]
provider = "azure"
base_url = "https://example-resource.openai.azure.com"
deployment = "gpt-4o-mini"
api_version = "2024-10-21"
api_key = "file-key"
first_token_timeout_s = 3.5

[[llm.fallback]]
provider = "openai"
base_url = "http://127.0.0.1:8080/v1"

[tts]
provider = "azure"
api_key = "speech-key"
region = "westeurope"
voice = "en-GB-RyanNeural"
"""


def test_config_file_with_the_environment_on_top(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("AGENT_CONFIG_FILE", str(path))
    monkeypatch.setenv("AGENT_LLM__FIRST_TOKEN_TIMEOUT_S", "2")
    s = AgentSettings()
    assert s.greeting == "Hi from the file."
    assert (s.llm.provider, s.llm.deployment, s.llm.api_version) == (
        "azure",
        "gpt-4o-mini",
        "2024-10-21",
    )
    assert s.llm.first_token_timeout_s == 2.0  # env over file
    assert [f.provider for f in s.llm.fallback] == ["openai"]
    assert (s.tts.provider, s.tts.region, s.tts.voice) == (
        "azure",
        "westeurope",
        "en-GB-RyanNeural",
    )
    assert s.stt.provider == "local"


# --- five (and more) bad configurations: one line, exit 2, naming the setting ----------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        # 1. unknown provider
        ({"AGENT_LLM__PROVIDER": "anthropic"}, "AGENT_LLM__PROVIDER"),
        # 2. missing key for api.openai.com
        ({"AGENT_STT__PROVIDER": "openai"}, "AGENT_STT__API_KEY"),
        # 3. a fallback entry missing what Azure OpenAI needs
        (
            {
                "AGENT_LLM__FALLBACK": '[{"provider": "local"}, {"provider": "azure", '
                '"base_url": "https://r.openai.azure.com", "api_key": "k"}]'
            },
            "AGENT_LLM__FALLBACK__1__DEPLOYMENT",
        ),
        # 4. a bad value
        ({"AGENT_LLM__FIRST_TOKEN_TIMEOUT_S": "0"}, "AGENT_LLM__FIRST_TOKEN_TIMEOUT_S"),
        # 5. a base URL that is not one
        (
            {"AGENT_TTS__PROVIDER": "openai", "AGENT_TTS__BASE_URL": "localhost:8080"},
            "AGENT_TTS__BASE_URL",
        ),
        # Azure Speech without its region
        ({"AGENT_TTS__PROVIDER": "azure", "AGENT_TTS__API_KEY": "k"}, "AGENT_TTS__REGION"),
        # a typo in a section
        ({"AGENT_LLM": '{"provider": "openai", "api_kye": "k"}'}, "AGENT_LLM__API_KYE"),
    ],
)
def test_bad_provider_configuration_exits_2_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    named: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert named in _load(monkeypatch, capsys)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("[llm\nprovider = ", "AGENT_CONFIG_FILE"),
        ('[llm]\nprovider = "openai"\n', "AGENT_LLM__API_KEY"),
    ],
)
def test_bad_config_file_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: str | None,
    expected: str,
) -> None:
    path = tmp_path / "agent.toml"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("AGENT_CONFIG_FILE", str(path))
    err = _load(monkeypatch, capsys)
    assert expected in err
    if content is None:
        assert "AGENT_CONFIG_FILE" in err


# --- the factories build the framework's own types, without network --------------------------


def test_factories_return_the_framework_types() -> None:
    s = AgentSettings(
        stt={"provider": "azure", "api_key": "k", "region": "westeurope", "language": "de-DE"},
        llm={
            "provider": "openai",
            "base_url": "http://127.0.0.1:9/v1",
            "fallback": [
                {
                    "provider": "azure",
                    "base_url": "https://r.openai.azure.com",
                    "api_key": "k",
                    "deployment": "d",
                    "api_version": "2024-10-21",
                }
            ],
        },
        tts={"provider": "azure", "api_key": "k", "region": "westeurope"},
    )
    build = BuildOptions(s, warm=False)
    speech_to_text = build_stt(s, build, vad_=None)  # type: ignore[arg-type]
    assert isinstance(speech_to_text, azure_plugin.STT) and isinstance(speech_to_text, stt.STT)
    chain = build_llm(s, build)
    assert isinstance(chain, llm.FallbackAdapter)
    assert all(isinstance(i.inner, openai_plugin.LLM) for i in chain._llm_instances)  # type: ignore[attr-defined]
    voice = build_tts(s, build)
    assert isinstance(voice, azure_plugin.TTS) and isinstance(voice, tts.TTS)


def test_azure_speech_without_a_key_fails_with_a_clear_message() -> None:
    # settings validation stops this first; the factory says the same if reached directly
    config = ProviderConfig(provider="azure", region="westeurope")
    build = BuildOptions(AgentSettings(), warm=False)
    with pytest.raises(azure_providers.AzureConfigError, match="api_key must be set"):
        azure_providers.azure_stt(config, build)
    with pytest.raises(azure_providers.AzureConfigError, match="region"):
        azure_providers.azure_tts(ProviderConfig(provider="azure", api_key="k"), build)
