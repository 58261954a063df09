"""Shared test setup for the agent: the shared model cache and the in-process backend.

Every test module declares exactly one layer with a module-level marker (checked by the
repository's conftest.py)::

    pytestmark = pytest.mark.unit    # hermetic: no models, no network, no servers
    pytestmark = pytest.mark.models  # loads the real offline models
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from speech_helpers import to_speech_rate

if TYPE_CHECKING:
    from voice_agent.local_models import PiperTTS
    from voice_agent.providers.local import Providers
    from voice_agent.settings import AgentSettings

# bench/fake_cloud.py (the fake OpenAI-compatible server) is shared with the capacity bench
sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Where the assembled Qwen GGUF lives: ``AGENT_MODEL_DIR`` or the agent's default cache.

    Shared by every test that needs the model file, so it is assembled at most once per machine.
    """
    from voice_agent.settings import AgentSettings

    return AgentSettings().model_dir


# --- models layer: each model is loaded once per test session, and only when asked for ---


@pytest.fixture(scope="session")
def settings(model_dir: Path) -> AgentSettings:
    from voice_agent.settings import AgentSettings

    return AgentSettings(model_dir=model_dir)


@pytest.fixture(scope="session")
def providers(settings: AgentSettings) -> Providers:
    """The production provider set (Silero, Moonshine, Qwen on llama.cpp, Piper), warmed up."""
    from voice_agent.providers.local import load_local_providers

    return load_local_providers(settings)


@pytest.fixture(scope="session")
def piper() -> PiperTTS:
    """A bare PiperTTS (the session's TTS is wrapped in a sentence StreamAdapter)."""
    from voice_agent.local_models import PiperTTS

    tts = PiperTTS()
    tts.warm_up()
    return tts


@pytest.fixture(scope="session")
def espeak() -> Callable[..., np.ndarray]:
    """``espeak(voice, text, speed=175, pitch=50)``: espeak-ng speech (words per minute, pitch
    0-99) as 16 kHz mono float32 in [-1, 1]; the same clip every run. ``text`` may be
    espeak-ng phonemes in ``[[...]]``. ``make install-test`` installs espeak-ng."""
    import io
    import subprocess
    import wave

    exe = shutil.which("espeak-ng")
    assert exe is not None, "espeak-ng is missing (make install-test installs it)"

    def make(voice: str, text: str, speed: int = 175, pitch: int = 50) -> np.ndarray:
        args = [exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text]
        wav = subprocess.run(args, capture_output=True, check=True, timeout=60).stdout
        with wave.open(io.BytesIO(wav), "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
            return to_speech_rate(pcm.astype(np.float32) / 32768.0, w.getframerate())

    return make


@pytest.fixture(scope="session")
def speech() -> Callable[[str], np.ndarray]:
    """``speech(text)``: deterministic Piper speech as 16 kHz mono int16.

    Piper's default synthesis samples noise (every run sounds a little different, and now
    and then Moonshine mishears a word); with both noise scales at 0 a clip is the same
    every run, so a transcript assertion cannot flake on the voice.
    """
    from piper.config import SynthesisConfig
    from piper.voice import PiperVoice
    from voice_agent.local_models import piper_voice_files

    model, config = piper_voice_files()
    voice = PiperVoice.load(model, config_path=config)
    quiet = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)

    @functools.cache
    def make(text: str) -> np.ndarray:
        pcm = b"".join(c.audio_int16_bytes for c in voice.synthesize(text, syn_config=quiet))
        src = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        out = to_speech_rate(src, voice.config.sample_rate).astype(np.int16)
        out.setflags(write=False)  # cached: shared by every test
        return out

    return make


# --- the real backend app in-process (unit layer: SQLite in a temp dir, no sockets) ---

BACKEND_TOKEN = "agent-service-token-for-tests-0123456789"
JOB_CREDENTIAL_SECRET = "job-credential-secret-for-tests-0123456789"
BACKEND_BASE_URL = "http://127.0.0.1"  # the backend's no-login mode answers loopback hosts only


@pytest.fixture(scope="session")
def backend_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by the backend's own Alembic migrations; tests copy it."""
    from app.core import migrate

    path = tmp_path_factory.mktemp("backend-db") / "backend.db"
    migrate.upgrade(f"sqlite+pysqlite:///{path}")
    return path


@pytest.fixture
def backend_app(backend_db_template: Path, tmp_path: Path) -> Any:
    """The backend's FastAPI app on a fresh copy of the migrated database."""
    from app.core.config import Settings
    from app.main import create_app

    db = tmp_path / "backend.db"
    shutil.copyfile(backend_db_template, db)
    settings = Settings(
        livekit_api_key="test-livekit-key",
        livekit_api_secret="test-livekit-secret-0123456789abcdef",
        agent_service_token=BACKEND_TOKEN,
        job_credential_secret=JOB_CREDENTIAL_SECRET,
        database_url=f"sqlite+pysqlite:///{db}",
        web_dist=tmp_path / "no-dist",
        api_keys=(),
        redis_url=None,
        agent_capacity_check=False,  # these tests play the agent; none reports capacity
        agent_redispatch_interval_seconds=0,
        max_calls_per_user=1000,  # these tests open many rooms for the one local user
    )
    return create_app(settings)


@pytest.fixture
def backend_token() -> str:
    """The agent service token ``backend_app`` accepts (worker-level routes only)."""
    return BACKEND_TOKEN


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own write journal (AGENT_JOURNAL__DIR), never the repository's .data."""
    folder = tmp_path / "agent-journal"
    monkeypatch.setenv("AGENT_JOURNAL__DIR", str(folder))
    return folder
