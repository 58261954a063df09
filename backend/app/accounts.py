"""Users and their sign-in sessions: reads and writes, keyword-only. Nothing here commits."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, exists, inspect, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import make_engine
from app.crud import Conflict
from app.models import AuthSession, User, UserRole, utcnow


class UserExists(Conflict):
    detail = "user already exists"


def any_user(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(User.id.is_not(None)))))


def any_user_at(settings: Settings) -> bool:
    """any_user, for a start-up check (its own short-lived engine); no users table, no user."""
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).has_table(User.__tablename__):
            return False
        with Session(engine) as session:
            return any_user(session)
    finally:
        engine.dispose()


def create_user(
    session: Session, *, name: str, password_hash: str, role: UserRole = "user"
) -> User:
    if get_user_by_name(session, name=name) is not None:
        raise UserExists
    user = User(id=f"u-{uuid.uuid4().hex[:16]}", name=name, password_hash=password_hash, role=role)
    session.add(user)
    session.flush()
    return user


def get_user_by_name(session: Session, *, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).one_or_none()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def delete_user(session: Session, *, name: str) -> bool:
    """Delete the user and their sign-in sessions (their conversations stay)."""
    user = get_user_by_name(session, name=name)
    if user is None:
        return False
    session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    session.delete(user)
    session.flush()
    return True


def set_role(session: Session, *, name: str, role: UserRole) -> bool:
    """False: no such user."""
    user = get_user_by_name(session, name=name)
    if user is None:
        return False
    user.role = role
    session.flush()
    return True


def set_password_hash(session: Session, *, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    session.flush()


def create_session(
    session: Session, *, user_id: str, token_hash: str, expires_at: dt.datetime
) -> None:
    """Store a new sign-in session and drop every expired one."""
    now = utcnow()
    session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    session.add(
        AuthSession(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at)
    )
    session.flush()


def session_user(session: Session, *, token_hash: str, now: dt.datetime) -> User | None:
    """The user of an unexpired session with this token hash."""
    stmt = (
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == token_hash, AuthSession.expires_at > now)
    )
    return session.scalars(stmt).one_or_none()


def delete_session(session: Session, *, token_hash: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash))
