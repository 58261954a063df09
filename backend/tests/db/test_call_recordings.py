"""Call recordings through the API: the agent's job appends the call's Ogg bytes as it goes
(a retry changes nothing, a gap is refused), only for a conversation whose user turned
recording on, where the backend allows it; the owner plays it back whole or by byte ranges;
nobody else gets it; it goes with its conversation, and with age under a retention period."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import jwt
import pytest
from conftest import ClientFactory
from fastapi.testclient import TestClient
from job_credentials import job_headers
from ogg_opus import decoded_seconds, ogg_opus, streams_started

from app.core.services import services_of
from app.recordings.retention import sweep
from app.recordings.settings import RecordingSettings

pytestmark = pytest.mark.db

Headers = dict[str, str]
STARTED = "2026-11-30T04:00:00+00:00"
FIRST = b"OggS" + bytes(range(200))
SECOND = b"OggS" + b"\x01\x02" * 300


def _start(api: TestClient, user: Headers, *, record: bool = True) -> tuple[str, str]:
    created = api.post("/api/conversations", json={"record": record}, headers=user)
    assert created.status_code == 201, created.text
    conversation = created.json()["conversation"]
    return str(conversation["id"]), str(conversation["room_name"])


def _chunk(offset: int, data: bytes, started_at: str = STARTED) -> dict[str, object]:
    return {"offset": offset, "started_at": started_at, "data": base64.b64encode(data).decode()}


def _upload(api: TestClient, room: str, offset: int, data: bytes, started_at: str = STARTED) -> int:
    url = f"/api/agent/conversations/{room}/recording/chunk"
    body = _chunk(offset, data, started_at)
    return api.put(url, json=body, headers=job_headers(api, room)).status_code


def _recorded(api: TestClient, user: Headers) -> tuple[str, str]:
    conversation, room = _start(api, user)
    assert _upload(api, room, 0, FIRST) == 200
    assert _upload(api, room, len(FIRST), SECOND) == 200
    return conversation, room


def test_the_owner_plays_the_appended_recording(api: TestClient, alice: Headers) -> None:
    conversation, room = _recorded(api, alice)
    assert _upload(api, room, 0, FIRST) == 200  # a retried upload: nothing changes
    # a retry whose answer was lost, sent again with the bytes written since: only those stored
    assert _upload(api, room, len(FIRST), SECOND + b"-more") == 200
    got = api.get(f"/api/conversations/{conversation}/recording", headers=alice)
    assert got.status_code == 200
    assert got.headers["content-type"] == "audio/ogg"
    assert got.headers["accept-ranges"] == "bytes"
    assert got.content == FIRST + SECOND + b"-more"
    detail = api.get(f"/api/conversations/{conversation}", headers=alice).json()
    assert detail["metadata"]["record"] == "on"
    assert detail["recording"] == {
        "started_at": "2026-11-30T04:00:00Z",
        "size": len(FIRST + SECOND + b"-more"),
        "parts": [{"started_at": "2026-11-30T04:00:00Z", "starts_at_s": 0.0}],
    }


def test_byte_ranges_answer_206_and_a_range_past_the_end_416(
    api: TestClient, alice: Headers
) -> None:
    conversation, _ = _recorded(api, alice)
    url = f"/api/conversations/{conversation}/recording"
    whole = FIRST + SECOND
    part = api.get(url, headers={**alice, "Range": "bytes=100-299"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-299/{len(whole)}"
    assert part.content == whole[100:300]
    tail = api.get(url, headers={**alice, "Range": "bytes=-50"})
    assert (tail.status_code, tail.content) == (206, whole[-50:])
    rest = api.get(url, headers={**alice, "Range": "bytes=700-"})
    assert (rest.status_code, rest.content) == (206, whole[700:])
    past = api.get(url, headers={**alice, "Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(whole)}"
    saved = api.get(url, params={"download": "true"}, headers=alice)
    assert saved.headers["content-disposition"].startswith("attachment;")


def test_a_resumed_calls_recording_plays_both_parts_as_one_stream(
    api: TestClient, alice: Headers
) -> None:
    """The first agent uploads its Ogg stream in chunks and dies mid-page; the agent that
    resumes the call appends its own stream at the stored size. Playback is one stream of
    both, by ranges too."""
    first, second = ogg_opus(2.0, 440), ogg_opus(1.5, 660)
    crashed = first[:-150]  # its last upload ended within a page
    conversation, room = _start(api, alice)
    for at in range(0, len(crashed), 4000):
        assert _upload(api, room, at, crashed[at : at + 4000]) == 200
    resumed = "2026-11-30T04:00:12+00:00"  # 12 s after the first: 10 s lost to the crash
    assert _upload(api, room, len(crashed), second[:5000], resumed) == 200
    assert _upload(api, room, len(crashed), second[:5000], resumed) == 200  # a retry
    assert _upload(api, room, len(crashed) + 5000, second[5000:], resumed) == 200
    url = f"/api/conversations/{conversation}/recording"
    whole = api.get(url, headers=alice)
    assert whole.status_code == 200
    assert streams_started(whole.content) == 1  # not chained: Chrome plays it to the end
    assert 3.2 < decoded_seconds(whole.content) < 3.55  # 2 s (less one 0.2 s page) + 1.5 s
    # seeking: ranges of the joined file, which the download is too
    size = len(whole.content)
    part = api.get(url, headers={**alice, "Range": "bytes=1000-"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    assert part.content == whole.content[1000:]
    saved = api.get(url, params={"download": "true"}, headers=alice)
    assert saved.content == whole.content
    # the agent still appends by the bytes stored; the page places each line by its part:
    # the second plays right after the first part's audio (to its last whole page)
    recording = api.get(f"/api/conversations/{conversation}", headers=alice).json()["recording"]
    assert recording["size"] == len(crashed) + len(second)
    first_part, second_part = recording["parts"]
    assert first_part == {"started_at": "2026-11-30T04:00:00Z", "starts_at_s": 0.0}
    assert second_part["started_at"] == "2026-11-30T04:00:12Z"
    assert 1.75 < second_part["starts_at_s"] < 2.02  # 2 s, less the unfinished page


def test_another_user_gets_404_like_no_conversation(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    conversation, _ = _recorded(api, alice)
    stolen = api.get(f"/api/conversations/{conversation}/recording", headers=bob)
    unknown = api.get(
        "/api/conversations/00000000-0000-4000-8000-000000000000/recording", headers=bob
    )
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()
    assert api.get(f"/api/conversations/{conversation}/recording").status_code == 401


def test_a_gap_is_refused_and_another_job_cannot_upload(
    api: TestClient, alice: Headers, bob: Headers
) -> None:
    conversation, room = _recorded(api, alice)
    assert _upload(api, room, len(FIRST) + len(SECOND) + 10, b"late") == 409
    _, bob_room = _start(api, bob)
    url = f"/api/agent/conversations/{room}/recording/chunk"
    other = api.put(url, json=_chunk(len(FIRST + SECOND), b"x"), headers=job_headers(api, bob_room))
    assert other.status_code == 403
    got = api.get(f"/api/conversations/{conversation}/recording", headers=alice)
    assert got.content == FIRST + SECOND


def test_no_recording_unless_the_user_turned_it_on(api: TestClient, alice: Headers) -> None:
    conversation, room = _start(api, alice, record=False)
    assert _upload(api, room, 0, FIRST) == 403
    assert api.get(f"/api/conversations/{conversation}/recording", headers=alice).status_code == 404
    assert api.get(f"/api/conversations/{conversation}", headers=alice).json()["recording"] is None


def test_a_backend_that_does_not_allow_recording_refuses_it(
    make_client: ClientFactory, alice: Headers, tmp_path: Path
) -> None:
    api = make_client(recording=RecordingSettings(allowed=False, dir=tmp_path / "rec"))
    refused = api.post("/api/conversations", json={"record": True}, headers=alice)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "recording is not allowed here"}
    _, room = _start(api, alice, record=False)
    assert _upload(api, room, 0, FIRST) == 403


def test_the_room_and_the_agent_are_told_to_record(api: TestClient, alice: Headers) -> None:
    created = api.post("/api/conversations", json={"record": True}, headers=alice).json()
    token = created["connection"]["participant_token"]
    room_config = jwt.decode(token, options={"verify_signature": False})["roomConfig"]
    assert json.loads(room_config["metadata"])["record"] is True
    assert json.loads(room_config["agents"][0]["metadata"])["record"] == "on"


def test_the_recording_goes_with_its_conversation(api: TestClient, alice: Headers) -> None:
    conversation, _ = _recorded(api, alice)
    folder = services_of(api.app).settings.recording.dir  # type: ignore[arg-type]
    assert [p.name for p in folder.iterdir()] == [f"{conversation}.ogg"]
    assert api.delete(f"/api/conversations/{conversation}", headers=alice).status_code == 204
    assert list(folder.iterdir()) == []
    assert api.get(f"/api/conversations/{conversation}/recording", headers=alice).status_code == 404


def test_retention_deletes_old_recordings_and_keeps_new_ones(
    api: TestClient, alice: Headers
) -> None:
    old, old_room = _start(api, alice)
    assert _upload(api, old_room, 0, FIRST) == 200  # started STARTED
    new, new_room = _start(api, alice)
    url = f"/api/agent/conversations/{new_room}/recording/chunk"
    later = {**_chunk(0, SECOND), "started_at": "2026-12-20T04:00:00+00:00"}
    assert api.put(url, json=later, headers=job_headers(api, new_room)).status_code == 200
    services = services_of(api.app)  # type: ignore[arg-type]
    now = dt.datetime(2026, 12, 21, tzinfo=dt.UTC)
    assert sweep(services.sessionmaker, services.recordings, retention_days=0, now=now) == 0
    assert sweep(services.sessionmaker, services.recordings, retention_days=7, now=now) == 1
    assert api.get(f"/api/conversations/{old}/recording", headers=alice).status_code == 404
    assert api.get(f"/api/conversations/{old}", headers=alice).status_code == 200  # kept
    assert api.get(f"/api/conversations/{new}/recording", headers=alice).content == SECOND
