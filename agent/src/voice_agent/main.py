"""Worker entry point: ``voice-agent start`` (or ``dev``/``console``/``connect``)."""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

import httpx
from livekit.agents import AgentServer, AgentSession, JobContext, JobProcess, cli, llm, room_io
from pydantic import ValidationError
from pydantic_settings import SettingsError

from . import priority
from .assistant import Assistant
from .local_models import ModelPackageMissing, qwen_gguf
from .persistence import BackendClient, TranscriptRecorder, load_history
from .providers.local import Providers, load_local_providers
from .session import build_session
from .settings import AgentSettings
from .tools import BackendNotes, MemoryNotes, NoteStore
from .turn_metrics import TurnMetricsPublisher

logger = logging.getLogger("voice_agent")


def prewarm(proc: JobProcess) -> None:
    settings = AgentSettings()
    priority.lower_for_warmup()  # don't slow down the conversation that is running now
    # offered tools are part of every prompt: warm the cache with exactly those
    offered = list(Assistant(settings).tools) if settings.llm.offer_tools else None
    providers = load_local_providers(settings, tools=offered)
    proc.userdata["settings"] = settings
    proc.userdata["providers"] = providers


async def entrypoint(ctx: JobContext) -> None:
    priority.restore()
    settings: AgentSettings = ctx.proc.userdata["settings"]
    providers: Providers = ctx.proc.userdata["providers"]
    session = build_session(settings, providers)
    TurnMetricsPublisher(ctx.room, settings.metrics_topic).attach(session)
    history = await start_persistence(ctx, settings, session)
    notes = start_notes(ctx, settings)
    await session.start(
        Assistant(settings, chat_ctx=history, notes=notes),
        room=ctx.room,
        room_options=room_io.RoomOptions(
            audio_input=room_io.AudioInputOptions(sample_rate=16000, frame_size_ms=20),
            delete_room_on_close=True,
        ),
    )


async def start_persistence(
    ctx: JobContext,
    settings: AgentSettings,
    session: AgentSession,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> llm.ChatContext | None:
    """Record the session's transcript through the backend and return the room's earlier
    messages, if any. Without AGENT_BACKEND_URL nothing is recorded (logged once per job)."""
    client = BackendClient.from_settings(settings, transport=transport)
    if client is None:
        logger.info("transcript persistence off: AGENT_BACKEND_URL is not set")
        return None
    room = ctx.room.name
    # Loaded before the recorder is attached: these messages are preloaded into the agent,
    # not added to session.history, so they are never sent again.
    history = await load_history(client, room)
    recorder = TranscriptRecorder(client, room)
    recorder.attach(session)

    async def flush(_reason: str) -> None:
        try:
            await recorder.aflush(timeout_s=settings.backend_timeout_s * 2)
        finally:
            await client.aclose()

    ctx.add_shutdown_callback(flush)
    return history


def start_notes(
    ctx: JobContext,
    settings: AgentSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> NoteStore:
    """The room's user's notes through the backend, or for this session only without it."""
    client = BackendClient.from_settings(settings, transport=transport)
    if client is None:
        return MemoryNotes()

    async def close(_reason: str) -> None:
        await client.aclose()

    ctx.add_shutdown_callback(close)
    return BackendNotes(client, ctx.room.name)


def load_settings() -> AgentSettings:
    """Validate settings and model packages up front: one clear line, exit 2, on failure."""
    try:
        settings = AgentSettings()
        qwen_gguf(settings.model_dir)  # assemble once here, not inside a job process
    except ValidationError as e:
        first = e.errors()[0]
        if not first["loc"]:  # a check across fields: its message names the variables
            _exit_with(f"invalid settings: {first['msg'].removeprefix('Value error, ')}")
        # the env var itself: nested fields use the "__" delimiter (AGENT_VAD__MIN_SILENCE_S)
        where = "__".join(str(p) for p in first["loc"]).upper()
        _exit_with(f"invalid setting AGENT_{where}: {first['msg']}")
    except SettingsError as e:  # a nested model given as unparsable JSON, e.g. AGENT_VAD=x
        _exit_with(f"invalid setting: {e}")
    except ModelPackageMissing as e:
        _exit_with(str(e))
    except OSError as e:  # AGENT_MODEL_DIR not writable, disk full while assembling
        _exit_with(f"cannot assemble the LLM in AGENT_MODEL_DIR: {e}")
    needs_server = len(sys.argv) > 1 and sys.argv[1] in {"start", "dev", "connect"}
    if needs_server and not (settings.livekit_api_key and settings.livekit_api_secret):
        _exit_with(
            "LIVEKIT_API_KEY and LIVEKIT_API_SECRET are not set: "
            "use `make run`, or export the keys from .data/secrets.env"
        )
    return settings


def _exit_with(message: str) -> NoReturn:
    # sys.exit("text") would exit with status 1; configuration errors exit with 2
    print(f"voice-agent: {message}", file=sys.stderr)
    sys.exit(2)


class SessionLoad:
    """Worker load = running conversations / capacity; full at capacity."""

    def __init__(self, max_sessions: int) -> None:
        self.max_sessions = max_sessions

    def __call__(self, server: AgentServer) -> float:
        return min(1.0, len(server.active_jobs) / self.max_sessions)


def build_server(settings: AgentSettings) -> AgentServer:
    server = AgentServer(
        setup_fnc=prewarm,
        num_idle_processes=1,
        initialize_process_timeout=120,
        load_fnc=SessionLoad(settings.max_sessions),
        load_threshold=1.0,
        job_memory_warn_mb=2500,
        port=settings.health_port,
        ws_url=settings.livekit_url,
    )
    server.rtc_session(entrypoint, agent_name=settings.name)
    return server


def main() -> None:
    settings = load_settings()
    # read by the OpenMP runtime when llama.cpp loads, in the job processes this one starts
    os.environ["OMP_WAIT_POLICY"] = settings.llm.omp_wait_policy
    cli.run_app(build_server(settings))


if __name__ == "__main__":
    main()
