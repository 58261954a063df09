"""Which conversation languages the agent's speech providers serve, so the catalog offers
only those (a language the agent cannot hear or speak is refused at POST
/api/conversations with ``unknown language``, never turned into a silent English call).

The agent maps each language to its providers' parameters (agent/src/voice_agent/
languages.py); these sets are what that map covers, and docs/languages.md says how well.
A catalog language is matched by its base (``de-AT`` is served where ``de`` is)."""

from __future__ import annotations

from typing import Literal

SpeechProvider = Literal["local", "openai", "azure"]

SERVED: dict[SpeechProvider, frozenset[str]] = {
    # Whisper base hears these (checked on espeak-ng speech); Piper's only voice is English,
    # which reads the others with their own pronunciation rules (accented)
    "local": frozenset({"en", "de", "fr", "es"}),
    # the transcription models' documented languages; the speech voices read any text
    "openai": frozenset(
        {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "no", "fi", "cs", "tr"}
        | {"ru", "uk", "ar", "hi", "ja", "ko", "zh"}
    ),
    # the locales with a default neural voice in the agent's table
    "azure": frozenset({"en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "ja", "zh"}),
}


def base_language(code: str) -> str:
    return code.split("-")[0].lower()


def served(providers: tuple[SpeechProvider, ...]) -> frozenset[str]:
    """The base languages every one of ``providers`` serves."""
    common = frozenset(SERVED["local"] | SERVED["openai"] | SERVED["azure"])
    for provider in providers:
        common &= SERVED[provider]
    return common


def offered(providers: tuple[SpeechProvider, ...]) -> tuple[str, ...]:
    """The built-in catalog's languages: English first, then the others in order."""
    rest = sorted(served(providers) - {"en"})
    return ("en", *rest) if "en" in served(providers) else tuple(rest)


def unserved(languages: tuple[str, ...], providers: tuple[SpeechProvider, ...]) -> list[str]:
    """The ``languages`` that some of ``providers`` cannot serve."""
    common = served(providers)
    return [code for code in languages if base_language(code) not in common]
