"""``python -m voice_agent.model_host``: load the offline models once and serve them to every
job on this machine (settings: ``AGENT_MODEL_HOST__*``, ``AGENT_LLM__*``). Prints one
``model host ready`` line when it answers; SIGTERM or Ctrl-C stops it."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from .. import priority
from ..local_models import PiperOptions, PiperTTS
from ..providers.local import llama_engine, omp_environment, stt_engine
from ..settings import AgentSettings
from .log import logger
from .server import ModelHostServer, Models


def load_models(settings: AgentSettings) -> Models:
    """Every offline model, warmed: the LLM's prompt cache holds the default instructions and
    greeting, so a new conversation's first turn evaluates only its own words."""
    omp_environment(settings)
    host = settings.model_host
    engine = llama_engine(settings, slots=host.slots, threads=host.threads)
    engine.warm_up(settings.instructions, settings.greeting)
    stt = stt_engine(settings)  # AGENT_STT__ENGINE
    stt.warm_up()
    tts = PiperTTS(options=PiperOptions(length_scale=settings.tts.length_scale))
    # the voice's memory arena sized at start for the longest clause it is handed
    tts.warm_up(longest_chars=settings.tts.pacing_max_chars)
    return Models(llm=engine, stt=stt, tts=tts)


def main() -> None:
    from ..main import load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    host = settings.model_host
    try:
        server = ModelHostServer((host.host, host.port), load_models(settings))
    except OSError as e:
        sys.exit(f"model host: cannot listen on {host.host}:{host.port}: {e}")
    # every call's replies are made here: real-time work, ahead of other programs on the box
    # (AGENT_JOB_NICE, as for the job processes; nice 0 without the right to)
    priority.restore(settings.job_nice)
    # SIGTERM ends serve_forever from another thread (it must not be called from its own)
    signal.signal(
        signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()
    )
    logger.info("model host ready", extra={"port": host.port, "slots": host.slots})
    print(f"model host ready on http://{host.host}:{host.port} ({host.slots} slots)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
