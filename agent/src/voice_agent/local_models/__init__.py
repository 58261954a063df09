"""Offline model plugins: Moonshine STT, Qwen2.5 on llama.cpp, Piper TTS."""

from .llm import LlamaCppLLM
from .llm_engine import ChatEngine, LlamaEngine, LlamaOptions
from .model_files import ModelPackageMissing, moonshine_model_dir, piper_voice_files, qwen_gguf
from .stt import MoonshineOptions, MoonshineSTT
from .tts import PiperOptions, PiperTTS

__all__ = [
    "ChatEngine",
    "LlamaCppLLM",
    "LlamaEngine",
    "LlamaOptions",
    "ModelPackageMissing",
    "MoonshineOptions",
    "MoonshineSTT",
    "PiperOptions",
    "PiperTTS",
    "moonshine_model_dir",
    "piper_voice_files",
    "qwen_gguf",
]
