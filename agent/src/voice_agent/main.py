"""Worker entry point: ``voice-agent start`` (or ``dev``/``console``/``connect``)."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from typing import Any, NoReturn

import httpx
from livekit.agents import (
    AgentServer,
    AgentSession,
    JobContext,
    JobExecutorType,
    JobProcess,
    cli,
    llm,
    room_io,
)
from pydantic import ValidationError
from pydantic_settings import SettingsError

from . import http_clients, observability, priority, restart_handover
from .agent_errors import AgentErrorPublisher
from .assistant import Assistant
from .audio_output_watch import watch_audio_output
from .call_limits import CallLimits
from .call_recording import prepare_call_recording
from .capacity import (
    CallServer,
    CapacityError,
    CapacityReporter,
    WorkerLoad,
    job_executor,
    resolve_max_sessions,
    uses_local_llm,
    uses_local_models,
)
from .documents import Documents
from .file_input import FileInput, FileStore, ImageBytes, restore_documents
from .local_models import ModelPackageMissing, llm_gguf
from .model_host import ModelHostUnavailable
from .observability import SessionMetrics
from .observability.tracing import start_tracing, stop_tracing
from .persistence import (
    BackendClient,
    DurableWrites,
    TimelineRecorder,
    TranscriptRecorder,
    WorkerReplay,
    load_history,
    open_journal,
)
from .providers.call_providers import aclose_new, for_call
from .providers.local import Providers, omp_environment
from .providers.registry import build_providers, import_plugins
from .providers.variant import choose as variant_providers
from .recovery import JobRecovery, dispatch_resumed, is_resume, livekit_api, replaced_agents
from .rejoin import Rejoin
from .room_connection import ConnectionLog
from .room_release import RoomRelease
from .session import build_session, input_frame_ms
from .settings import AgentSettings
from .single_agent import LEAVE_REASON, SingleAgent
from .state import RoomProfile, SessionState, wait_for_user
from .tools import BackendNotes, MemoryNotes, NoteStore
from .transcript_pacing import use_loudness_pacing
from .turn_detection import load_turn_model
from .turn_metrics import TurnMetricsPublisher
from .typed_input import TypedInputGuard

logger = logging.getLogger("voice_agent")


def prewarm(proc: JobProcess) -> None:
    settings = AgentSettings()
    if _own_process(settings):  # a job thread would change every call's threads
        priority.lower_for_warmup()  # don't slow down the conversation that is running now
    http_clients.warm_up()  # not on the job's event loop (done already where preloaded)
    load_turn_model(settings)  # likewise
    if not uses_local_models(settings):
        use_loudness_pacing()  # the framework's STFT per 100 ms of speech costs more than a VAD
    # offered tools are part of every prompt: warm the cache with exactly those
    offered = list(Assistant(settings).tools) if settings.llm.offer_tools else None
    providers = build_providers(settings, tools=offered or ())
    proc.userdata["settings"] = settings
    proc.userdata["providers"] = providers
    # the idle process exports the instruments at zero, so /metrics has every series (and
    # active sessions = 0) before the first conversation
    observability.instruments()


def _own_process(settings: AgentSettings) -> bool:
    """Whether a job has its process to itself (its CPU priority is then its own to set)."""
    return job_executor(settings) is JobExecutorType.PROCESS


async def entrypoint(ctx: JobContext) -> None:
    settings: AgentSettings = ctx.proc.userdata["settings"]
    if _own_process(settings):
        priority.restore(settings.job_nice)
    providers: Providers = ctx.proc.userdata["providers"]
    user = await wait_for_user(ctx, settings.participant_wait_s)  # connects the room
    ConnectionLog(ctx.room).attach()
    # a resumed job's dead predecessor lingers in the room for a while: not an agent to yield to
    single = SingleAgent(ctx.room, gone=replaced_agents(ctx.job.metadata))
    if single.first_agent() is not None:  # the call has its agent: not a word from this one
        logger.warning("another agent serves the room: not joining the call")
        ctx.shutdown(LEAVE_REASON)
        return
    room = RoomProfile.from_job(ctx.room.metadata or ctx.job.room.metadata, ctx.job.metadata)
    state = SessionState(
        room=room, user=user, documents=Documents(settings.files.max_context_chars)
    )
    if room.experiment:
        logger.info("A/B experiment variant", extra={"experiment": room.experiment})
    # an A/B variant's turn-taking settings and providers apply to this call only
    call = variant_providers(room.for_call(settings), room.providers)
    providers = call_providers(ctx, settings, call.settings, providers, room.language)
    providers.apply_voice(state.room.voice, settings.tts.voice_paces)
    session = build_session(call.settings, providers)
    TurnMetricsPublisher(ctx.room, settings.metrics_topic).attach(session)
    AgentErrorPublisher(ctx.room, settings.metrics_topic).attach(session)
    start_observability(ctx, settings, session)
    if room.record:  # started by the Assistant before its greeting
        state.call_recording = await prepare_call_recording(ctx, settings, session)
    history = await start_persistence(
        ctx, call.settings, session, state=state, unavailable=call.unavailable
    )
    files_held = 0
    if history is not None and history.messages():  # a rejoin: the files shared so far
        files_held = await restore_files(ctx, settings, state)
    notes = start_notes(ctx, settings)
    resumed = is_resume(ctx.job.metadata)
    await session.start(
        Assistant(settings, chat_ctx=history, state=state, notes=notes, resumed=resumed),
        room=ctx.room,
        room_options=room_io.RoomOptions(
            audio_input=room_io.AudioInputOptions(
                sample_rate=16000, frame_size_ms=input_frame_ms(settings)
            ),
            # typed messages: a size and a rate limit before they reach the LLM
            text_input=TypedInputGuard(settings.chat).options(),
            # RoomRelease deletes the room when the call is over, not when it is handed over
            delete_room_on_close=False,
            # the user leaving is not the end: they may rejoin (rejoin.py)
            close_on_disconnect=False,
        ),
        # no framework session RPC (lk.agent.session): it would hand any participant the
        # system prompt (get_agent_info) and take input past the typed-input guard (run_input)
        session_host=False,
    )
    files = FileInput(
        settings.files,
        session,
        state.documents,
        store=start_file_store(ctx, settings),
        taken=files_held,
        vision=settings.llm.vision,
    )
    await files.attach(ctx.room)
    release = RoomRelease(ctx, session)
    release.attach()
    Rejoin(ctx.room, session.room_io).attach()
    watch_audio_output(session.room_io, ctx.room.name, release.leave)
    # two agents of ours after a livekit-server restart: the later one leaves
    single.attach(lambda: release.leave(LEAVE_REASON))
    ctx.add_shutdown_callback(single.aclose)
    start_restart_handover(ctx, settings, release)
    CallLimits(session, settings.limits, on_end=release.end_call).attach()


def call_providers(
    ctx: JobContext,
    settings: AgentSettings,
    call: AgentSettings,
    built: Providers,
    language: str | None,
) -> Providers:
    """The providers for the call's settings and the room's language (the prewarmed ones,
    built from ``settings``, unless they change them)."""
    providers = for_call(settings, call, built, language)
    if providers is not built:

        async def close(_reason: str) -> None:
            await aclose_new(built, providers)

        ctx.add_shutdown_callback(close)
    return providers


def start_restart_handover(ctx: JobContext, settings: AgentSettings, release: RoomRelease) -> None:
    """After a livekit-server restart a fresh agent takes the call (restart_handover.py)."""

    async def dispatch(replaces: str) -> None:
        client = livekit_api(settings)
        try:
            await dispatch_resumed(
                client, settings, ctx.room.name, ctx.job.metadata, replaces=replaces
            )
        finally:
            await client.aclose()

    handover = restart_handover.RestartHandover(
        ctx.room, dispatch=dispatch, leave=lambda: release.leave(restart_handover.LEAVE_REASON)
    )
    handover.attach()
    ctx.add_shutdown_callback(handover.aclose)


def start_observability(
    ctx: JobContext, settings: AgentSettings, session: AgentSession[Any]
) -> None:
    """Prometheus instruments for this session, and OTLP traces when configured."""
    session_metrics = SessionMetrics.attach(session)
    tracer = start_tracing(
        settings.otlp_endpoint,
        allow_content=settings.trace_content,
        attributes={"room": ctx.room.name, "job_id": ctx.job.id},
    )

    async def close(_reason: str) -> None:
        session_metrics.close()
        await asyncio.to_thread(stop_tracing, tracer)

    ctx.add_shutdown_callback(close)


async def start_persistence(
    ctx: JobContext,
    settings: AgentSettings,
    session: AgentSession[Any],
    *,
    state: SessionState | None = None,
    unavailable: Sequence[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> llm.ChatContext | None:
    """Record the session's transcript and timeline through the journal (on disk first, then
    to the backend, with the job's credential) and return the room's earlier messages, if
    any. Without AGENT_BACKEND_URL nothing is recorded (logged once per job). The recorder
    goes into ``state`` so the agent flushes it when it exits. ``settings`` are the call's:
    the timeline names its providers, and the ones its A/B variant named that this worker
    does not configure (``unavailable``)."""
    metadata = ctx.job.metadata
    client = BackendClient.from_settings(settings, dispatch_metadata=metadata, transport=transport)
    writes = DurableWrites.from_settings(settings, dispatch_metadata=metadata, transport=transport)
    if client is None or writes is None:
        logger.info("transcript persistence off: AGENT_BACKEND_URL is not set")
        return None
    room = ctx.room.name
    # Loaded before the recorder is attached: these messages are preloaded into the agent,
    # not added to session.history, so they are never sent again.
    # at most a context window of it: the newest turns (llm_node fits each request again)
    history = await load_history(
        client,
        room,
        keep_tokens=settings.llm.context_window,
        journaled=writes.journal.room_messages(room),
    )
    await client.aclose()
    writes.sender.start()
    recorder = TranscriptRecorder(writes.sender, room)
    recorder.attach(session)
    if state is not None:
        state.recorder = recorder
    timeline = TimelineRecorder(writes.sender, room)
    timeline.add_providers(
        stt=settings.stt.provider, llm=settings.llm.provider, tts=settings.tts.provider
    )
    timeline.add_unavailable(unavailable)
    stop_listening = observability.add_listener(timeline.add)

    async def flush(_reason: str) -> None:
        stop_listening()
        try:
            # what the backend has not taken by then stays journaled: the worker sends it
            await writes.sender.aflush(timeout_s=settings.backend_timeout_s * 2)
        finally:
            await writes.aclose()

    ctx.add_shutdown_callback(flush)
    return history


def start_notes(
    ctx: JobContext,
    settings: AgentSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> NoteStore:
    """The room's user's notes through the backend, or for this session only without it."""
    client = job_backend_client(ctx, settings, transport=transport)
    return MemoryNotes() if client is None else BackendNotes(client, ctx.room.name)


def job_backend_client(
    ctx: JobContext,
    settings: AgentSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> BackendClient | None:
    """A backend client with this job's credential, closed when the job shuts down (None
    without a backend)."""
    client = BackendClient.from_settings(
        settings, dispatch_metadata=ctx.job.metadata, transport=transport
    )
    if client is None:
        return None

    async def close(_reason: str) -> None:
        await client.aclose()

    ctx.add_shutdown_callback(close)
    return client


async def restore_files(
    ctx: JobContext,
    settings: AgentSettings,
    state: SessionState,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """The conversation's stored files back into the model's context (a rejoined call); how
    many it holds."""
    client = BackendClient.from_settings(
        settings, dispatch_metadata=ctx.job.metadata, transport=transport
    )
    if client is None:
        return 0
    try:
        return await restore_documents(client, ctx.room.name, state.documents, settings.files)
    finally:
        await client.aclose()


def start_file_store(
    ctx: JobContext,
    settings: AgentSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FileStore | None:
    """Files the user shares, stored with the conversation through the backend (None
    without one: they stay in this call's context only)."""
    client = job_backend_client(ctx, settings, transport=transport)
    if client is None:
        return None
    room = ctx.room.name

    async def store(file_id: str, body: dict[str, Any], image: ImageBytes | None) -> None:
        await client.put_file(room, file_id, body)
        if image is not None:
            await client.put_file_content(
                room, file_id, content_type=image.content_type, data=image.data
            )

    return store


def load_settings() -> AgentSettings:
    """Validate settings and model packages up front: one clear line, exit 2, on failure."""
    try:
        settings = AgentSettings()
        if uses_local_llm(settings):
            # assemble once here, not inside a job process
            llm_gguf(settings.model_dir, settings.llm.local_model)
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
    if not needs_server:  # the console and the model host write no transcripts
        return settings
    if not (settings.livekit_api_key and settings.livekit_api_secret):
        _exit_with(
            "LIVEKIT_API_KEY and LIVEKIT_API_SECRET are not set: "
            "use `make run`, or export the keys from .data/secrets.env"
        )
    if settings.backend_url:
        try:  # here, not in the first call's job process
            open_journal(settings).close()
        except (OSError, sqlite3.Error) as e:
            _exit_with(f"cannot open the write journal in AGENT_JOURNAL__DIR: {e}")
    return settings


def _exit_with(message: str) -> NoReturn:
    # sys.exit("text") would exit with status 1; configuration errors exit with 2
    print(f"voice-agent: {message}", file=sys.stderr)
    sys.exit(2)


def metrics_dir(settings: AgentSettings) -> str | None:
    """The multi-process directory job processes write their metrics to (None: no /metrics)."""
    if not settings.metrics_port:
        return None
    if settings.metrics_dir is not None:
        return str(settings.metrics_dir)
    return tempfile.mkdtemp(prefix="voice-agent-metrics-")


def build_server(settings: AgentSettings, max_sessions: int) -> AgentServer:
    load = WorkerLoad.from_settings(settings, max_sessions)
    hosted = settings.model_host.url is not None or not uses_local_models(settings)
    server = CallServer(
        setup_fnc=prewarm,
        job_executor_type=job_executor(settings),
        # a job process without its own models starts in a second: keep two ready for a
        # burst of callers; one with its own models holds ~1.3 GB
        num_idle_processes=2 if hosted else 1,
        initialize_process_timeout=120,
        load_fnc=load,
        load_threshold=1.0,
        drain_timeout=settings.drain_timeout_s,
        job_memory_warn_mb=2500,
        # imported once in the forkserver: a job process starts with them and the TLS
        # context (copy-on-write) instead of making them again (docs/benchmarks.md)
        preload_modules=["voice_agent.main", "voice_agent.preload"],
        host=settings.http_host,
        port=settings.health_port,
        ws_url=settings.livekit_url,
        prometheus_port=settings.metrics_port or None,
        prometheus_multiproc_dir=metrics_dir(settings),
    )
    server.rtc_session(entrypoint, agent_name=settings.name)
    # a job process that dies mid-call: the agent is dispatched into its room again
    server.on("worker_started", JobRecovery(server, settings).attach)
    if settings.backend_url:
        # what job processes journaled and could not send before they ended or died; and
        # once more after the drain, what the stopped ones could not
        replay = WorkerReplay(settings)
        server.on("worker_started", replay.start)
        server.on_closed(replay.aclose)
        reporter = CapacityReporter(server, settings, load)
        server.on("worker_registered", reporter.start)
    return server


# the framework's own local VAD and end-of-turn model, which it preloads into the forkserver
# (~245 MiB, shared by every job process) unless this variable is falsy
PRELOAD_LOCAL_INFERENCE = "LIVEKIT_AGENTS_PRELOAD_LOCAL_INFERENCE"


def skip_unused_framework_models(settings: AgentSettings) -> None:
    """Keep the framework from preloading models this agent does not use (Silero runs through
    its plugin). With ``turn.detector=eot`` the end-of-turn weights are used: the framework
    then loads them once in the forkserver, shared copy-on-write by every job process. A
    value already set is kept."""
    if settings.turn.detector != "eot":
        os.environ.setdefault(PRELOAD_LOCAL_INFERENCE, "0")


def main() -> None:
    settings = load_settings()
    skip_unused_framework_models(settings)
    # read by the OpenMP runtime when llama.cpp loads, in the job processes this one starts
    omp_environment(settings)
    import_plugins(settings)
    try:
        max_sessions = resolve_max_sessions(settings)
    except (CapacityError, ModelHostUnavailable) as e:
        _exit_with(str(e))
    logger.info(
        "worker capacity",
        extra={
            "max_sessions": max_sessions,
            "worker": settings.worker_index,
            "workers": settings.workers,
        },
    )
    cli.run_app(build_server(settings, max_sessions))


if __name__ == "__main__":
    main()
