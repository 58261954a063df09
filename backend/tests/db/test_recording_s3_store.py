"""Recordings in S3-compatible storage, against moto's server on loopback: uploads become
part objects, reads join them (byte ranges across parts included), a retry replaces its part
and drops later ones, and deleting a conversation deletes every part."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ClientFactory
from job_credentials import job_headers
from live_servers import S3Server, start_s3
from ogg_opus import decoded_seconds, ogg_opus, streams_started

from app.recordings.s3_store import S3Store, s3_client
from app.recordings.settings import RecordingSettings

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    server = start_s3()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_settings(s3_server: S3Server) -> RecordingSettings:
    settings = RecordingSettings(
        s3_bucket=f"rec-{secrets.token_hex(4)}",
        s3_endpoint_url=s3_server.url,
        s3_region="us-east-1",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    s3_client(settings).create_bucket(Bucket=settings.s3_bucket)
    return settings


def _objects(settings: RecordingSettings) -> list[str]:
    listed: dict[str, Any] = s3_client(settings).list_objects_v2(Bucket=settings.s3_bucket)
    return [str(item["Key"]) for item in listed.get("Contents", [])]


def test_parts_join_into_one_recording(s3_settings: RecordingSettings) -> None:
    assert s3_settings.s3_bucket is not None
    store = S3Store(s3_client(s3_settings), bucket=s3_settings.s3_bucket, prefix="r/")
    store.append("call", 0, b"abcdef")
    store.append("call", 6, b"ghij")
    store.append("call", 10, b"XXXX")
    store.append("call", 10, b"klmn")  # a retry replaces its part
    assert store.size("call") == 14
    assert b"".join(store.read("call", 0, 14)) == b"abcdefghijklmn"
    assert b"".join(store.read("call", 4, 12)) == b"efghijkl"  # across three parts
    store.append("call", 6, b"GHIJ")  # a retry further back drops the parts after it
    assert store.size("call") == 10
    assert _objects(s3_settings) == ["r/call/0000000000000000", "r/call/0000000000000006"]
    store.delete("call")
    assert store.size("call") == 0 and _objects(s3_settings) == []


class _RecordedCall:
    """A conversation with recording on, in an app that stores recordings in the bucket."""

    def __init__(self, make_client: ClientFactory, s3_settings: RecordingSettings) -> None:
        from conftest import ALICE_KEY

        self.api = make_client(recording=s3_settings)
        self.alice = {"Authorization": f"Bearer {ALICE_KEY}"}
        created = self.api.post(
            "/api/conversations", json={"record": True}, headers=self.alice
        ).json()
        self.conversation = created["conversation"]["id"]
        self.room = created["conversation"]["room_name"]
        self.offset = 0

    def upload(self, data: bytes) -> None:
        """The agent's next chunk, at the stored end."""
        body = {
            "offset": self.offset,
            "started_at": "2026-11-30T04:00:00Z",
            "data": base64.b64encode(data).decode(),
        }
        url = f"/api/agent/conversations/{self.room}/recording/chunk"
        response = self.api.put(url, json=body, headers=job_headers(self.api, self.room))
        assert response.status_code == 200
        self.offset += len(data)


def test_the_app_stores_plays_and_deletes_in_the_bucket(
    make_client: ClientFactory, s3_settings: RecordingSettings
) -> None:
    call = _RecordedCall(make_client, s3_settings)
    api, alice, conversation = call.api, call.alice, call.conversation
    for data in (b"OggS-first", b"OggS-second", b"OggS-third"):
        call.upload(data)
    audio = f"/api/conversations/{conversation}/recording"
    whole = api.get(audio, headers=alice)
    assert whole.content == b"OggS-firstOggS-secondOggS-third"
    part = api.get(audio, headers={**alice, "Range": "bytes=5-14"})
    assert (part.status_code, part.content) == (206, b"firstOggS-")
    assert len(_objects(s3_settings)) == 3
    assert api.delete(f"/api/conversations/{conversation}", headers=alice).status_code == 204
    assert _objects(s3_settings) == []


def test_a_resumed_calls_parts_are_joined_from_the_bucket(
    make_client: ClientFactory, s3_settings: RecordingSettings
) -> None:
    call = _RecordedCall(make_client, s3_settings)
    api, alice, conversation = call.api, call.alice, call.conversation
    call.upload(ogg_opus(1.0, 440))
    call.upload(ogg_opus(1.0, 660))  # the resumed agent's own stream
    whole = api.get(f"/api/conversations/{conversation}/recording", headers=alice).content
    assert streams_started(whole) == 1
    assert decoded_seconds(whole) == pytest.approx(2.0, abs=0.03)
