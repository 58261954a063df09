from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest

from app.core.livekit import is_identity_of, new_identity
from app.crud import Cursor

pytestmark = pytest.mark.unit


def test_cursor_round_trip() -> None:
    cursor = Cursor(started_at=dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC), id=uuid.uuid4())
    token = cursor.encode()
    assert "=" not in token
    assert Cursor.decode(token) == cursor


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"[]",
        b'["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"]',  # naive time
        b'["yesterday", "00000000-0000-0000-0000-000000000000"]',
        b'["2026-01-01T00:00:00+00:00", "not-a-uuid"]',
        b"[1, 2]",
        b"\xff\xfe",
    ],
)
def test_cursor_rejects_anything_else(raw: bytes) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        Cursor.decode(base64.urlsafe_b64encode(raw).decode())


def test_cursor_rejects_non_base64() -> None:
    with pytest.raises(ValueError):
        Cursor.decode("!!!")


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
