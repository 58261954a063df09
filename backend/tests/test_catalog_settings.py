from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.catalog import DEFAULT_CATALOG
from app.core.config import ConfigError, load_settings
from app.core.room_metadata import UnknownChoice, choose, room_metadata

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _livekit_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_builtin_catalog() -> None:
    catalog = load_settings().catalog
    assert [(p.id, p.name) for p in catalog.personas] == [
        ("assistant", "Friendly assistant"),
        ("concise", "Concise"),
        ("tutor", "Patient tutor"),
    ]
    assert [(v.id, v.name) for v in catalog.voices] == [
        ("default", "Joe"),
        ("slow", "Joe (slower)"),
        ("fast", "Joe (faster)"),
    ]
    assert catalog.languages == ("en", "de", "es", "fr")  # what the offline models serve
    assert catalog.default.model_dump() == {
        "persona": "assistant",
        "voice": "default",
        "language": "en",
    }
    assert all(p.instructions and p.greeting for p in catalog.personas)


def test_a_catalog_file_replaces_the_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path,
        {
            "personas": [
                {"id": "pirate", "name": "Pirate", "instructions": "Talk like a pirate."},
                {"id": "chef", "name": "Chef", "instructions": "Talk food.", "greeting": "Hi!"},
            ],
            "voices": [{"id": "amy", "name": "Amy"}],
            "languages": ["en", "de-DE"],
            "defaults": {"persona": "chef", "voice": "amy", "language": "de-DE"},
        },
    )
    monkeypatch.setenv("BACKEND_CATALOG_FILE", str(path))
    catalog = load_settings().catalog
    assert [p.id for p in catalog.personas] == ["pirate", "chef"]
    assert catalog.default.persona == "chef"
    assert choose(catalog, persona=None, voice=None, language="en") == {
        "persona": "chef",
        "voice": "amy",
        "language": "en",
    }


def test_defaults_are_the_first_of_each_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path,
        {
            "personas": [{"id": "p", "name": "P", "instructions": "I."}],
            "voices": [{"id": "v", "name": "V"}],
            "languages": ["fr"],
        },
    )
    monkeypatch.setenv("BACKEND_CATALOG_FILE", str(path))
    assert load_settings().catalog.default.model_dump() == {
        "persona": "p",
        "voice": "v",
        "language": "fr",
    }


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must hold a JSON object"),
        ({"personas": [], "voices": [{"id": "v", "name": "V"}], "languages": ["en"]}, "personas"),
        (
            {
                "personas": [{"id": "p", "name": "P", "instructions": "I."}],
                "voices": [{"id": "v", "name": "V"}],
                "languages": ["en"],
                "defaults": {"persona": "q", "voice": "v", "language": "en"},
            },
            "default persona is not in the list",
        ),
        (
            {
                "personas": [{"id": "p", "name": "P"}],
                "voices": [{"id": "v", "name": "V"}],
                "languages": ["en"],
            },
            "personas.0.instructions",
        ),
    ],
)
def test_a_bad_catalog_file_is_a_one_line_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: Any, fragment: str
) -> None:
    monkeypatch.setenv("BACKEND_CATALOG_FILE", str(_write(tmp_path, content)))
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    message = str(excinfo.value)
    assert message.startswith("invalid BACKEND_CATALOG_FILE")
    assert fragment in message and "\n" not in message


def test_a_missing_catalog_file_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_CATALOG_FILE", "/nonexistent/catalog.json")
    with pytest.raises(ConfigError, match="BACKEND_CATALOG_FILE.*cannot read"):
        load_settings()


@pytest.mark.parametrize(
    ("providers", "languages"),
    [
        ("local", ("en", "de", "es", "fr")),
        ("openai,azure", ("en", "de", "es", "fr", "it", "ja", "nl", "pl", "pt", "sv", "zh")),
        ("local,azure", ("en", "de", "es", "fr")),  # a fallback must serve it too
    ],
)
def test_the_builtin_catalog_offers_what_the_speech_providers_serve(
    monkeypatch: pytest.MonkeyPatch, providers: str, languages: tuple[str, ...]
) -> None:
    monkeypatch.setenv("BACKEND_SPEECH_PROVIDERS", providers)
    catalog = load_settings().catalog
    assert catalog.languages == languages
    assert catalog.default.language == "en"
    assert choose(catalog, persona=None, voice=None, language="de")["language"] == "de"
    with pytest.raises(UnknownChoice, match="^unknown language$"):
        choose(catalog, persona=None, voice=None, language="ko")  # no provider above has it


def test_a_catalog_language_the_providers_cannot_serve_is_refused_at_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path,
        {
            "personas": [{"id": "p", "name": "P", "instructions": "Hi."}],
            "voices": [{"id": "v", "name": "V"}],
            "languages": ["en", "de-AT", "ja", "ko"],
        },
    )
    monkeypatch.setenv("BACKEND_CATALOG_FILE", str(path))
    with pytest.raises(ConfigError, match=r"BACKEND_CATALOG_FILE.*\(local\) do not serve: ja, ko$"):
        load_settings()
    monkeypatch.setenv("BACKEND_SPEECH_PROVIDERS", "openai")
    assert load_settings().catalog.languages == ("en", "de-AT", "ja", "ko")


@pytest.mark.parametrize(
    ("choice", "detail"),
    [
        ({"persona": "pirate"}, "unknown persona"),
        ({"voice": "amy"}, "unknown voice"),
        ({"language": "fr"}, "unknown language"),
    ],
)
def test_unknown_choices(choice: dict[str, str], detail: str) -> None:
    values: dict[str, str | None] = {"persona": None, "voice": None, "language": None}
    with pytest.raises(UnknownChoice, match=f"^{detail}$"):
        choose(DEFAULT_CATALOG, **(values | choice))


def test_room_metadata_carries_the_persona_text_and_survives_a_removed_persona() -> None:
    concise = DEFAULT_CATALOG.persona("concise")
    assert concise is not None
    stored = {"persona": "concise", "voice": "fast", "language": "en"}
    assert json.loads(room_metadata(DEFAULT_CATALOG, stored)) == {
        **stored,
        "instructions": concise.instructions,
        "greeting": concise.greeting,
        "record": False,
    }
    gone = json.loads(room_metadata(DEFAULT_CATALOG, {"persona": "retired", "voice": "x"}))
    assert (gone["persona"], gone["voice"], gone["language"]) == ("assistant", "default", "en")
