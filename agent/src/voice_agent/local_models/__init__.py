"""Offline model plugins: Moonshine or Whisper STT, Qwen2.5 on llama.cpp, Piper TTS."""

from .llm import LlamaCppLLM
from .llm_engine import ChatEngine, LlamaEngine, LlamaOptions
from .model_files import (
    ModelPackageMissing,
    llm_gguf,
    moonshine_model_dir,
    piper_voice_files,
    whisper_base_model_dir,
    whisper_model_dir,
)
from .stt import LocalSTT, MoonshineOptions, MoonshineSTT
from .tts import PiperOptions, PiperTTS
from .whisper_stt import WhisperOptions, WhisperSTT

__all__ = [
    "ChatEngine",
    "LlamaCppLLM",
    "LlamaEngine",
    "LlamaOptions",
    "LocalSTT",
    "ModelPackageMissing",
    "MoonshineOptions",
    "MoonshineSTT",
    "PiperOptions",
    "PiperTTS",
    "WhisperOptions",
    "WhisperSTT",
    "llm_gguf",
    "moonshine_model_dir",
    "piper_voice_files",
    "whisper_base_model_dir",
    "whisper_model_dir",
]
