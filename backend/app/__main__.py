"""Entrypoint: `python -m app` or the `voice-backend` script. Checks settings, migrates the
database to the latest schema, then serves. `python -m app users ...` manages sign-in users."""

from __future__ import annotations

import argparse
import sys

import uvicorn
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app import accounts, log, users_cli
from app.core.config import ConfigError, Settings, load_settings
from app.core.db import redacted
from app.core.security import check_exposure, needs_database_for_exposure
from app.main import create_app

EXIT_CONFIG = 2
EXIT_DATABASE = 3
EXIT_USAGE = 1


def startup_settings() -> Settings:
    """Load and check settings; raises ConfigError with a one-line message naming the fix.
    A non-loopback bind without API keys is checked again once the users table is known."""
    return load_settings()


def _database_error(settings: Settings, e: SQLAlchemyError) -> str:
    cause = e.orig if isinstance(e, DBAPIError) else e
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return (
        f"voice-backend: cannot migrate the database at {redacted(settings.database_url)}: "
        f"{reason}; check DATABASE_URL and that the server is running"
    )


def serve() -> None:
    try:
        settings = startup_settings()
        if not needs_database_for_exposure(settings):
            check_exposure(settings, has_users=False)
    except ConfigError as e:
        print(f"voice-backend: {e}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    log.configure(settings.log_format)
    from app.core import migrate  # Alembic is only needed once the settings are good

    try:
        migrate.upgrade(settings.database_url)
        users = needs_database_for_exposure(settings) and accounts.any_user_at(settings)
    except SQLAlchemyError as e:
        print(_database_error(settings, e), file=sys.stderr)
        sys.exit(EXIT_DATABASE)
    try:
        check_exposure(settings, has_users=users)
    except ConfigError as e:
        print(f"voice-backend: {e}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        server_header=False,
        timeout_keep_alive=settings.keep_alive_seconds,
        # X-Forwarded-For/-Proto are believed only from the proxies named in the settings.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips) or None,
        log_config=None,  # log.configure's handlers, not uvicorn's
        access_log=False,  # RequestLogMiddleware logs each request
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="migrate the database and serve (the default)")
    users_cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command != "users":
        serve()
        return
    try:
        users_cli.run(args)
    except ConfigError as e:
        print(f"voice-backend: {e}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except users_cli.UsageError as e:
        print(f"voice-backend: {e}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except SQLAlchemyError as e:
        print(_database_error(load_settings(**users_cli.NOT_USED), e), file=sys.stderr)
        sys.exit(EXIT_DATABASE)


if __name__ == "__main__":
    main()
