"""`python -m app users add|list|delete`: manage who can sign in. Reads only DATABASE_URL
(the LiveKit settings are not needed) and migrates the database first."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from typing import TextIO

from sqlalchemy.orm import Session

from app import accounts
from app.core import migrate
from app.core.config import Settings, load_settings
from app.core.db import make_engine
from app.core.passwords import hash_password

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# The users commands never sign tokens: placeholders satisfy the required LiveKit settings.
NOT_USED = {"livekit_api_key": "unused", "livekit_api_secret": "unused"}


class UsageError(Exception):
    """A problem with the command line or its input, in one line."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser("users", help="manage who can sign in")
    commands = users.add_subparsers(dest="users_command", required=True)
    add = commands.add_parser("add", help="add a user; the password comes from stdin or a prompt")
    add.add_argument("name")
    add.add_argument(
        "--operator", action="store_true", help="may see everyone's analytics and experiments"
    )
    role = commands.add_parser("role", help="make a user an operator, or a user again")
    role.add_argument("name")
    role.add_argument("role", choices=["user", "operator"])
    commands.add_parser("list", help="list the users")
    delete = commands.add_parser("delete", help="delete a user and sign them out everywhere")
    delete.add_argument("name")


def read_password(settings: Settings, stdin: TextIO) -> str:
    """A prompt (asked twice) on a terminal, else the first line of stdin."""
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise UsageError("the passwords do not match")
    else:
        password = stdin.readline().rstrip("\r\n")
    if len(password) < settings.min_password_chars:
        raise UsageError(
            f"the password needs at least {settings.min_password_chars} characters "
            "(BACKEND_MIN_PASSWORD_CHARS)"
        )
    return password


def run(
    args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    """Raises ConfigError or UsageError with a one-line message."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    settings = load_settings(**NOT_USED)
    command = args.users_command
    if command in {"add", "delete", "role"} and not NAME_PATTERN.fullmatch(args.name):
        raise UsageError("a user name is 1-64 letters, digits or . _ @ -")
    password = read_password(settings, stdin) if command == "add" else ""
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            if command == "add":
                try:
                    user = accounts.create_user(
                        session,
                        name=args.name,
                        password_hash=hash_password(password),
                        role="operator" if args.operator else "user",
                    )
                except accounts.UserExists:
                    raise UsageError(f"user {args.name} already exists") from None
                session.commit()
                print(f"added {user.role} {user.name} ({user.id})", file=stdout)
            elif command == "list":
                for user in accounts.list_users(session):
                    created = user.created_at.isoformat()
                    print(f"{user.name}\t{user.id}\t{user.role}\t{created}", file=stdout)
            elif command == "role":
                if not accounts.set_role(session, name=args.name, role=args.role):
                    raise UsageError(f"no user {args.name}")
                session.commit()
                print(f"{args.name} is now {args.role}", file=stdout)
            else:
                if not accounts.delete_user(session, name=args.name):
                    raise UsageError(f"no user {args.name}")
                session.commit()
                print(f"deleted user {args.name}", file=stdout)
    finally:
        engine.dispose()


__all__ = ["NOT_USED", "UsageError", "add_parser", "run"]
