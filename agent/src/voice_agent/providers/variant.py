"""An A/B variant's providers for one call (room metadata ``providers``: a registry name per
kind, ``docs/experiments.md``): the named provider goes first in that section's chain, the
worker's chain after it as fallback, in its order.

Built from the worker's own settings for that provider: an entry of the section's chain
(the primary or a ``fallback``), each checked complete at startup (``missing_for``). A name
the section does not configure (no entry: no key or URL for it on this worker, or the local
models on a worker that does not load them) changes nothing: the worker's chain serves the
call, with a warning in the log and the name in ``unavailable`` (the call's timeline says so,
and its ``providers:`` event names what it really used)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..settings import AgentSettings, LlmSettings, ProviderConfig, SttSettings, TtsSettings
from .log import logger

Section = SttSettings | LlmSettings | TtsSettings


@dataclass(frozen=True, slots=True)
class CallProviders:
    settings: AgentSettings  # the call's: each named provider first in its chain
    unavailable: tuple[str, ...] = ()  # "llm=openai": named, not configured on this worker


def choose(settings: AgentSettings, named: Sequence[tuple[str, str]]) -> CallProviders:
    """The settings with each ``(kind, provider)`` first in its section's chain."""
    updates: dict[str, Any] = {}
    unavailable: list[str] = []
    for kind, provider in named:
        section: Section = getattr(settings, kind)
        chain = [section, *section.fallback]
        at = next((i for i, c in enumerate(chain) if c.provider == provider), None)
        if at is None:
            logger.warning(
                "the variant's provider is not configured on this worker: "
                "the worker's chain serves the call",
                extra={"source": kind, "provider": provider},
            )
            unavailable.append(f"{kind}={provider}")
        elif at > 0:
            updates[kind] = _first(section, chain, at)
    if not updates:
        return CallProviders(settings, tuple(unavailable))
    logger.info("the variant's providers serve the call", extra={"providers": dict(named)})
    return CallProviders(settings.model_copy(update=updates), tuple(unavailable))


def _first(section: Section, chain: list[ProviderConfig], at: int) -> Section:
    """The section with ``chain[at]`` as its provider and the rest of the chain, in order,
    as its fallback (its own settings, timeouts and engine, are kept)."""
    rest = [_config(c) for i, c in enumerate(chain) if i != at]
    own = {name: getattr(chain[at], name) for name in ProviderConfig.model_fields}
    return section.model_copy(update={**own, "fallback": rest})


def _config(config: ProviderConfig) -> ProviderConfig:
    """A chain entry as a plain ProviderConfig (the section itself carries more)."""
    return ProviderConfig(**{name: getattr(config, name) for name in ProviderConfig.model_fields})
