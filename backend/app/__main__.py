"""Entrypoint: `python -m app` or the `voice-backend` script. Checks settings, migrates the
database to the latest schema, then serves."""

from __future__ import annotations

import logging
import sys

import uvicorn
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.core.config import ConfigError, Settings, load_settings
from app.core.db import redacted
from app.core.security import check_exposure
from app.main import create_app

EXIT_CONFIG = 2
EXIT_DATABASE = 3


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
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin
    from app.core import migrate  # Alembic is only needed once the settings are good

    try:
        migrate.upgrade(settings.database_url)
    except SQLAlchemyError as e:
        cause = e.orig if isinstance(e, DBAPIError) else e
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        print(
            f"voice-backend: cannot migrate the database at {redacted(settings.database_url)}: "
            f"{reason}; check DATABASE_URL and that the server is running",
            file=sys.stderr,
        )
        sys.exit(EXIT_DATABASE)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, server_header=False)


if __name__ == "__main__":
    main()
