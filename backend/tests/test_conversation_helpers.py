from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from app.core.livekit import is_identity_of, new_identity
from app.crud import CURSOR_PATTERN, Cursor

pytestmark = pytest.mark.unit


def test_cursor_round_trip() -> None:
    cursor = Cursor(started_at=dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC), id=uuid.uuid4())
    token = cursor.encode()
    assert re.fullmatch(CURSOR_PATTERN, token)
    assert Cursor.decode(token) == cursor


@pytest.mark.parametrize("token", ["0-" + "0" * 32, "9" * 17 + "-" + "f" * 32])
def test_every_string_of_the_pattern_is_a_position(token: str) -> None:
    assert Cursor.decode(token).encode() == token


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "W10", "-1-" + "0" * 32, "1" * 18 + "-" + "0" * 32, "1-" + "F" * 32],
)
def test_cursor_rejects_anything_else(token: str) -> None:
    assert not re.fullmatch(CURSOR_PATTERN, token)
    with pytest.raises(ValueError, match="invalid cursor"):
        Cursor.decode(token)


@pytest.mark.parametrize("user", ["local", "key-1a2b3c4d", "a-b-c"])
def test_identity_belongs_to_its_user(user: str) -> None:
    identity = new_identity(user)
    assert is_identity_of(identity, user)
    assert not is_identity_of(identity, "other")
    assert not is_identity_of(identity, user.split("-")[0] if "-" in user else user + "x")


@pytest.mark.parametrize(
    "identity", ["local", "local-", "local-12345", "local-12345g", "xlocal-123abc"]
)
def test_other_identities_are_not_the_users(identity: str) -> None:
    assert not is_identity_of(identity, "local")
