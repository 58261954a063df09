"""`python -m voice_agent.check_models`: check every offline model, assemble the configured
LLM (``AGENT_LLM__LOCAL_MODEL``) once."""

from __future__ import annotations

import sys

from .local_models import (
    ModelPackageMissing,
    llm_gguf,
    moonshine_model_dir,
    piper_voice_files,
    whisper_base_model_dir,
    whisper_model_dir,
)
from .settings import AgentSettings


def main() -> None:
    try:
        moonshine_model_dir()
        whisper_model_dir()
        piper_voice_files()
        settings = AgentSettings()
        path = llm_gguf(settings.model_dir, settings.llm.local_model)
        whisper_base_model_dir(settings.model_dir)  # joined once: a German call's hearing
    except ModelPackageMissing as e:
        sys.exit(f"models: {e}")
    print(
        "    models ok: Moonshine tiny-en, Whisper tiny.en and base, Piper joe-medium, "
        f"{path.name} (sha256 verified)"
    )


if __name__ == "__main__":
    main()
