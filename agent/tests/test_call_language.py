"""A call's language reaches every provider: the mapping in ``languages.py`` (unit), and the
real OpenAI and Azure plugins, built for the room's language by ``for_language``, against
the local fake cloud (bench/fake_cloud.py): the transcription request carries ``language``,
Azure's SSML the locale and a voice of it, the chat request the instruction to answer in it.

Real HTTP on 127.0.0.1 (an in-process aiohttp server), the real plugins and clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import numpy as np
import pytest
from fake_cloud import FakeOpenAI
from livekit import rtc
from livekit.agents import AgentSession, vad
from livekit.agents.utils import http_context
from livekit.plugins import azure as azure_plugin
from voice_agent import languages
from voice_agent.assistant import Assistant
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.call_providers import aclose_new, changes, for_language
from voice_agent.providers.local import Providers
from voice_agent.providers.registry import build_llm, build_stt, build_tts
from voice_agent.settings import AgentSettings
from voice_agent.state import RoomProfile, SessionState

pytestmark = pytest.mark.unit

# --- the mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("room", "configured", "expected"),
    [
        (None, None, "en"),  # neither: English
        (None, "de-DE", "de-DE"),  # the setting alone
        ("de", None, "de"),  # the room's pick
        ("fr", "de-DE", "fr"),  # the room's pick wins over another language's setting
        ("en", "en-GB", "en-GB"),  # a more specific setting of the same language is kept
        ("en-AU", "en-GB", "en-AU"),  # the room names a region: it wins
    ],
)
def test_resolve_prefers_the_room_keeping_a_more_specific_setting(
    room: str | None, configured: str | None, expected: str
) -> None:
    assert languages.resolve(room, configured) == expected


def test_each_provider_gets_the_language_in_its_own_form() -> None:
    assert languages.openai_language("de-AT") == "de"
    assert languages.openai_language("EN") == "en"
    assert languages.azure_locale("de") == "de-DE"
    assert languages.azure_locale("de-at") == "de-AT"
    assert languages.azure_locale("pt") == "pt-BR"
    assert languages.azure_voice("de", None) == "de-DE-KatjaNeural"
    assert languages.azure_voice("de", "en-US-JennyNeural") == "de-DE-KatjaNeural"
    assert languages.azure_voice("de-AT", "de-AT-IngridNeural") == "de-AT-IngridNeural"
    assert languages.azure_voice("en", None) == "en-US-JennyNeural"
    with pytest.raises(languages.UnsupportedLanguage, match="'xx'"):
        languages.azure_voice("xx", None)


def test_the_llm_is_told_the_language_by_name() -> None:
    assert languages.llm_instruction("de-AT") == (
        "Always answer in German (language code de-AT), whatever language the user writes in."
    )
    assert languages.llm_instruction("tlh").startswith(
        "Always answer in the language with the code tlh"
    )
    assert RoomProfile(language="fr").instructions_for("Be brief.").startswith("Be brief. Always")
    assert RoomProfile(language="en-GB").instructions_for("Be brief.") == "Be brief."


def test_offline_plan_says_what_the_local_models_can_do() -> None:
    english = languages.offline("en-US")
    assert not english.multilingual_stt and english.native_voice
    assert english.espeak_voice is None
    german = languages.offline("de")
    assert german.multilingual_stt and not german.native_voice
    assert german.espeak_voice == "de"  # the English voice reads German, accented
    with pytest.raises(languages.UnsupportedLanguage, match="do not hear language 'ja'"):
        languages.offline("ja")


def test_only_a_language_that_changes_a_provider_rebuilds_it() -> None:
    local = AgentSettings()
    assert not changes(local.stt, "en") and not changes(local.stt, "en-GB")
    assert changes(local.stt, "de") and changes(local.tts, "de")
    remote = AgentSettings(stt={"provider": "openai", "api_key": "k", "language": "en-GB"})
    assert not changes(remote.stt, "en")  # en-GB is kept
    assert changes(remote.stt, "en-AU") and changes(remote.stt, "fr")


def test_azure_speech_recognises_the_calls_locale() -> None:
    settings = AgentSettings(stt={"provider": "azure", "api_key": "k", "region": "westeurope"})
    hearing = build_stt(settings, BuildOptions(settings, language="fr"), cast(vad.VAD, None))
    assert isinstance(hearing, azure_plugin.STT)
    assert hearing._config.language == ["fr-FR"]


# --- the requests the cloud providers send ------------------------------------------------


@pytest.fixture
async def cloud() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI(reply="Berlin.", transcript="wie spät ist es").start()
    yield server
    await server.aclose()


def _cloud_settings(server: FakeOpenAI) -> AgentSettings:
    return AgentSettings(
        stt={"provider": "openai", "base_url": server.base_url},
        llm={"provider": "openai", "base_url": server.base_url},
        tts={
            "provider": "azure",
            "api_key": "azure-speech-key",
            "base_url": f"{server.url}/cognitiveservices/v1",
        },
    )


def _prewarmed(settings: AgentSettings) -> Providers:
    """What the process prewarm builds (no VAD needed: single providers, no chains)."""
    build = BuildOptions(settings, warm=False)
    return Providers(
        vad=cast(vad.VAD, None),
        stt=build_stt(settings, build, cast(vad.VAD, None)),
        llm=build_llm(settings, build),
        tts=build_tts(settings, build),
    )


async def _hear_and_speak(providers: Providers) -> None:
    pcm = (np.sin(np.arange(16000) / 16000 * 2 * np.pi * 200) * 8000).astype(np.int16)
    await providers.stt.recognize([rtc.AudioFrame(pcm.tobytes(), 16000, 1, len(pcm))])
    async with http_context.open():  # what the worker gives a job: Azure's aiohttp session
        async for _ in providers.tts.synthesize("Hallo, wie kann ich helfen?"):
            pass


async def test_a_german_call_sends_german_to_openai_and_azure(cloud: FakeOpenAI) -> None:
    settings = _cloud_settings(cloud)
    built = _prewarmed(settings)
    call = for_language(settings, built, "de")
    assert call.stt is not built.stt and call.tts is not built.tts and call.llm is built.llm

    await _hear_and_speak(call)

    [transcription] = [r for r in cloud.requests if r.path == "/v1/audio/transcriptions"]
    assert transcription.body["language"] == "de"
    [speech] = [r for r in cloud.requests if r.path == "/cognitiveservices/v1"]
    assert 'xml:lang="de-DE"' in speech.body["ssml"]
    assert '<voice name="de-DE-KatjaNeural">' in speech.body["ssml"]
    assert speech.headers["ocp-apim-subscription-key"] == "azure-speech-key"
    await aclose_new(built, call)


async def test_an_english_call_keeps_the_prewarmed_providers(cloud: FakeOpenAI) -> None:
    settings = _cloud_settings(cloud)
    built = _prewarmed(settings)
    assert for_language(settings, built, "en") is built

    await _hear_and_speak(built)

    [transcription] = [r for r in cloud.requests if r.path == "/v1/audio/transcriptions"]
    assert transcription.body["language"] == "en"
    [speech] = [r for r in cloud.requests if r.path == "/cognitiveservices/v1"]
    assert 'xml:lang="en-US"' in speech.body["ssml"]
    assert '<voice name="en-US-JennyNeural">' in speech.body["ssml"]


async def test_the_llm_is_told_the_rooms_language(cloud: FakeOpenAI) -> None:
    settings = _cloud_settings(cloud)
    model = build_llm(settings, BuildOptions(settings, warm=False))
    state = SessionState(room=RoomProfile(language="de"))
    async with AgentSession[Any](llm=model) as session:
        await session.start(Assistant(settings, state=state))
        if session.current_speech is not None:  # the greeting
            await session.current_speech.wait_for_playout()
        await session.run(user_input="Was ist die Hauptstadt von Deutschland?")
    await model.aclose()

    [chat] = [r for r in cloud.requests if r.path == "/v1/chat/completions"]
    greeting = chat.body["messages"][1]  # said before the first turn, in the call's language
    assert greeting["role"] == "assistant"
    assert "Hallo! Wie kann ich Ihnen helfen?" in str(greeting["content"])
    system = chat.body["messages"][0]
    assert system["role"] == "system"
    assert "Always answer in German (language code de)" in str(system["content"])
