"""`python -m voice_agent.check_models`: check every offline model, assemble the LLM once."""

from __future__ import annotations

import sys

from .local_models import (
    ModelPackageMissing,
    moonshine_model_dir,
    piper_voice_files,
    qwen_gguf,
    whisper_base_model_dir,
    whisper_model_dir,
)
from .settings import AgentSettings


def main() -> None:
    try:
        moonshine_model_dir()
        whisper_model_dir()
        piper_voice_files()
        model_dir = AgentSettings().model_dir
        path = qwen_gguf(model_dir)
        whisper_base_model_dir(model_dir)  # joined once: a German call's hearing
    except ModelPackageMissing as e:
        sys.exit(f"models: {e}")
    print(
        "    models ok: Moonshine tiny-en, Whisper tiny.en and base, Piper joe-medium, "
        f"{path.name} (sha256 verified)"
    )


if __name__ == "__main__":
    main()
