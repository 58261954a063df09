"""Entrypoint: `python -m app` or the `voice-backend` script. Checks settings, then serves."""

from __future__ import annotations

import logging
import sys

import uvicorn

from app.core.config import ConfigError, Settings, load_settings
from app.core.security import check_exposure
from app.main import create_app

EXIT_CONFIG = 2


def startup_settings() -> Settings:
    """Load and check settings; raises ConfigError with a one-line message naming the fix."""
    settings = load_settings()
    check_exposure(settings)
    return settings


def main() -> None:
    try:
        settings = startup_settings()
    except ConfigError as e:
        print(f"voice-backend: {e}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, server_header=False)


if __name__ == "__main__":
    main()
