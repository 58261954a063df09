"""One pin per image: the compose file, the chart's values and the Dockerfiles name the same
digest for the same image and tag, and our own images carry the packages' version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PINNED = re.compile(
    r"(?P<name>[a-z0-9./_-]+):(?P<tag>[A-Za-z0-9._-]+)@(?P<digest>sha256:[0-9a-f]{64})"
)


def pins(text: str) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for m in PINNED.finditer(text):
        found.setdefault((m["name"], m["tag"]), set()).add(m["digest"])
    return found


def chart_images() -> dict[str, dict[str, str]]:
    values = yaml.safe_load((ROOT / "deploy/helm/voice-assistant/values.yaml").read_text())
    return {k: v for k, v in values["images"].items() if isinstance(v, dict)}  # not pullPolicy


def test_each_image_and_tag_has_one_digest_everywhere() -> None:
    texts = [
        (ROOT / "deploy/compose/compose.yaml").read_text(),
        (ROOT / "agent/Dockerfile").read_text(),
        (ROOT / "backend/Dockerfile").read_text(),
    ]
    chart = "\n".join(
        f"{image['repository']}:{image['tag']}@{image['digest']}"
        for image in chart_images().values()
        if image.get("digest")
    )
    merged: dict[tuple[str, str], set[str]] = {}
    for text in [*texts, chart]:
        for key, digests in pins(text).items():
            merged.setdefault(key, set()).update(digests)
    assert merged, "no pinned image found"
    assert {k: v for k, v in merged.items() if len(v) > 1} == {}


def test_the_chart_pins_the_services_the_compose_file_uses() -> None:
    compose = pins((ROOT / "deploy/compose/compose.yaml").read_text())
    for part in ("livekit", "postgresql", "redis"):
        image = chart_images()[part]
        assert (image["repository"], image["tag"]) in compose, part


def test_our_images_carry_the_packages_version() -> None:
    chart = yaml.safe_load((ROOT / "deploy/helm/voice-assistant/Chart.yaml").read_text())
    compose = (ROOT / "deploy/compose/compose.yaml").read_text()
    for part, package in (("agent", "agent"), ("backend", "backend")):
        version = tomllib.loads((ROOT / package / "pyproject.toml").read_text())["project"][
            "version"
        ]
        assert chart["appVersion"] == version
        assert chart_images()[part]["tag"] == version
        assert f"image: voice-assistant/{part}:{version}" in compose
