"""A/B experiments through the API on SQLite and PostgreSQL: operator-only CRUD with stable
validation errors, the life cycle, sticky assignment recorded on conversations and carried in
the room metadata, and results on seeded data."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from livekit import api as lk
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.api.deps import OPERATOR_ONLY_DETAIL
from app.core.catalog import DEFAULT_CATALOG
from app.core.security import user_id_for_key
from app.core.services import services_of
from app.experiments import assignment, schemas, store
from app.models import Conversation, ConversationEvent, ConversationRating, Message

pytestmark = pytest.mark.db

Headers = dict[str, str]
ClientFactory = Callable[..., TestClient]
SECRET = "test-livekit-secret-0123456789abcdef"
GREETING = "Hello from variant B, the patient tutor!"
ALICE = user_id_for_key("alice-api-key-0123456789")


def _body(**variant_b: Any) -> dict[str, Any]:
    return {
        "name": "Tutor greeting",
        "variants": [
            {"key": "control", "split": 50},
            {
                "key": "tutor",
                "split": 50,
                "overrides": {
                    "persona": "tutor",
                    "greeting": GREETING,
                    "turn": {"min_delay_s": 0.3, "interruption_min_s": 0.2},
                    **variant_b,
                },
            },
        ],
    }


@pytest.fixture
def operator(make_client: ClientFactory) -> TestClient:
    """The no-login mode's local user: an operator."""
    return make_client(api_keys=())


@pytest.fixture
def users(make_client: ClientFactory) -> TestClient:
    """Alice and Bob by API key: users, not operators."""
    return make_client()


@pytest.fixture
def db(operator: TestClient) -> Iterator[Session]:
    factory: sessionmaker[Session] = services_of(operator.app).sessionmaker
    with factory() as session:
        yield session


def _create(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/experiments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _started(client: TestClient, body: dict[str, Any]) -> str:
    experiment = _create(client, body)
    response = client.post(f"/api/experiments/{experiment['id']}/start", json={})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "running"
    return str(experiment["id"])


def _room(connection: dict[str, Any]) -> dict[str, Any]:
    claims = lk.TokenVerifier("test-livekit-key", SECRET).verify(connection["participant_token"])
    assert claims.room_config is not None
    room: dict[str, Any] = json.loads(claims.room_config.metadata)
    return room


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (
            {"variants": [{"key": "a", "split": 50}, {"key": "b", "split": 40}]},
            schemas.SPLITS_DETAIL,
        ),
        (
            {"variants": [{"key": "a", "split": 50}, {"key": "a", "split": 50}]},
            schemas.DUPLICATE_KEY_DETAIL,
        ),
        (_body(persona="pirate"), schemas.UNKNOWN_PERSONA_DETAIL),
        (_body(voice="amy"), schemas.UNKNOWN_VOICE_DETAIL),
        (_body(turn={"min_delay_s": 2.0, "max_delay_s": 1.0}), schemas.DELAYS_DETAIL),
        (_body(providers={"llm": "anthropic"}), schemas.UNKNOWN_PROVIDER_DETAIL),
        (_body(providers={"stt": "local", "tts": "elevenlabs"}), schemas.UNKNOWN_PROVIDER_DETAIL),
    ],
)
def test_an_invalid_experiment_is_422_with_a_stable_detail(
    operator: TestClient, db: Session, change: dict[str, Any], detail: str
) -> None:
    response = operator.post("/api/experiments", json={**_body(), **change})
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert store.list_all(db) == []


@pytest.mark.parametrize(
    "change",
    [
        {"variants": [{"key": "only", "split": 100}]},  # fewer than two
        {"variants": [{"key": "a", "split": 0}, {"key": "b", "split": 100}]},
        {"variants": [{"key": "A B", "split": 50}, {"key": "b", "split": 50}]},
        _body(turn={"min_delay_s": 9.0}),  # out of the agent's bounds
        _body(provider="openai"),  # providers go by kind: {"llm": "openai"}
        _body(providers={"vad": "local"}),  # not a kind of provider
        _body(providers={"llm": "Open AI"}),  # not a registry key
        {"name": ""},
    ],
)
def test_a_malformed_experiment_is_422(operator: TestClient, change: dict[str, Any]) -> None:
    assert operator.post("/api/experiments", json={**_body(), **change}).status_code == 422


def test_only_operators_reach_experiments(
    operator: TestClient, users: TestClient, alice: Headers
) -> None:
    experiment = _create(operator, _body())["id"]
    for method, path in [
        ("GET", "/api/experiments"),
        ("POST", "/api/experiments"),
        ("GET", f"/api/experiments/{experiment}"),
        ("PUT", f"/api/experiments/{experiment}"),
        ("POST", f"/api/experiments/{experiment}/start"),
        ("POST", f"/api/experiments/{experiment}/stop"),
        ("DELETE", f"/api/experiments/{experiment}"),
        ("GET", f"/api/experiments/{experiment}/results"),
    ]:
        body = _body() if method in ("POST", "PUT") else None
        body = {} if path.endswith(("/start", "/stop")) else body
        response = users.request(method, path, json=body, headers=alice)
        assert (response.status_code, response.json()) == (403, {"detail": OPERATOR_ONLY_DETAIL})
    assert operator.get(f"/api/experiments/{experiment}").json()["status"] == "draft"


def test_the_life_cycle_draft_running_stopped(operator: TestClient) -> None:
    first = _create(operator, _body())["id"]
    edited = operator.put(f"/api/experiments/{first}", json={**_body(), "name": "Renamed"})
    assert edited.status_code == 200 and edited.json()["name"] == "Renamed"
    second = _create(operator, _body())["id"]
    assert operator.post(f"/api/experiments/{first}/start", json={}).status_code == 200

    def conflict(method: str, path: str, detail: str) -> None:
        body = _body() if method == "PUT" else {} if method == "POST" else None
        response = operator.request(method, path, json=body)
        assert (response.status_code, response.json()) == (409, {"detail": detail})

    conflict("POST", f"/api/experiments/{second}/start", store.ANOTHER_RUNNING_DETAIL)
    conflict("PUT", f"/api/experiments/{first}", store.NOT_DRAFT_DETAIL)
    conflict("POST", f"/api/experiments/{first}/start", store.NOT_DRAFT_DETAIL)
    conflict("DELETE", f"/api/experiments/{first}", store.RUNNING_DELETE_DETAIL)
    conflict("POST", f"/api/experiments/{second}/stop", store.NOT_RUNNING_DETAIL)

    stopped = operator.post(f"/api/experiments/{first}/stop", json={}).json()
    assert stopped["status"] == "stopped" and stopped["stopped_at"] is not None
    assert operator.post(f"/api/experiments/{second}/start", json={}).status_code == 200
    listed = operator.get("/api/experiments").json()
    assert [e["id"] for e in listed] == [second, first]  # newest first
    assert operator.delete(f"/api/experiments/{first}").status_code == 204
    missing = operator.get(f"/api/experiments/{first}")
    assert (missing.status_code, missing.json()) == (404, {"detail": "experiment not found"})


def test_a_user_keeps_their_variant_and_it_reaches_the_room(
    operator: TestClient, users: TestClient, alice: Headers, db: Session
) -> None:
    experiment = _started(operator, _body(voice="slow"))
    expected = assignment.pick(
        [schemas.ExperimentVariant.model_validate(v) for v in _body(voice="slow")["variants"]],
        assignment.bucket(uuid.UUID(experiment), ALICE),
    )
    rooms = []
    for _ in range(3):  # the user's explicit picks lose to the variant's
        created = users.post(
            "/api/conversations", json={"persona": "concise", "voice": "fast"}, headers=alice
        )
        assert created.status_code == 201, created.text
        rooms.append(_room(created.json()["connection"]))
    token = users.post("/api/token", json={}, headers=alice)
    assert token.status_code == 200, token.text
    rooms.append(_room(token.json()))

    stored = db.scalars(select(Conversation).where(Conversation.user_id == ALICE)).all()
    assert len(stored) == 4
    assert {(str(c.experiment_id), c.variant_key) for c in stored} == {(experiment, expected.key)}
    for room in rooms:
        assert room["experiment"] == {"id": experiment, "variant": expected.key}
    if expected.key == "tutor":
        tutor = DEFAULT_CATALOG.persona("tutor")
        assert tutor is not None
        assert {r["persona"] for r in rooms} == {"tutor"} and {r["voice"] for r in rooms} == {
            "slow"
        }
        assert {r["greeting"] for r in rooms} == {GREETING}
        assert {r["instructions"] for r in rooms} == {tutor.instructions}
        assert rooms[0]["turn"] == {"min_delay_s": 0.3, "interruption_min_s": 0.2}
    else:
        assert rooms[0]["persona"] == "concise" and "turn" not in rooms[0]


def test_a_variants_providers_are_stored_and_reach_its_rooms(
    operator: TestClient, users: TestClient, alice: Headers, bob: Headers
) -> None:
    body = _body(providers={"llm": "openai", "tts": "azure"})
    body["variants"][0]["overrides"] = {"providers": {"stt": "local"}}
    experiment = _started(operator, body)
    stored = operator.get(f"/api/experiments/{experiment}").json()
    assert [v["overrides"]["providers"] for v in stored["variants"]] == [
        {"stt": "local", "llm": None, "tts": None},
        {"stt": None, "llm": "openai", "tts": "azure"},
    ]
    expected = {"control": {"stt": "local"}, "tutor": {"llm": "openai", "tts": "azure"}}
    for headers in (alice, bob):
        created = users.post("/api/conversations", json={}, headers=headers)
        assert created.status_code == 201, created.text
        room = _room(created.json()["connection"])
        assert room["providers"] == expected[room["experiment"]["variant"]]
        name = created.json()["conversation"]["room_name"]
        rejoined = users.post("/api/token", json={"room_name": name}, headers=headers)
        assert rejoined.status_code == 200, rejoined.text
        assert _room(rejoined.json())["providers"] == room["providers"]


def test_both_variants_reach_rooms_and_users_split_by_the_percentages(
    operator: TestClient, users: TestClient, alice: Headers, bob: Headers, db: Session
) -> None:
    experiment = _started(operator, _body())
    seen = {}
    for headers in (alice, bob):
        created = users.post("/api/conversations", json={}, headers=headers).json()
        seen[_room(created["connection"])["experiment"]["variant"]] = _room(created["connection"])
    for key, room in seen.items():
        assert room["greeting"] == (
            GREETING if key == "tutor" else "Hello! How can I help you today?"
        )

    picks = Counter(assignment.assign(db, user_id=f"user-{i}") for i in range(2000))
    by_key = Counter({a.variant.key: n for a, n in picks.items() if a is not None})
    assert sum(by_key.values()) == 2000
    assert abs(by_key["control"] - 1000) < 90  # 4 binomial sd
    assert all(a is not None and str(a.experiment_id) == experiment for a in picks)


def test_after_stop_new_conversations_are_not_assigned_and_delete_keeps_them(
    operator: TestClient, users: TestClient, alice: Headers, db: Session
) -> None:
    experiment = _started(operator, _body())
    during = users.post("/api/conversations", json={}, headers=alice).json()
    operator.post(f"/api/experiments/{experiment}/stop", json={})
    after = users.post("/api/conversations", json={}, headers=alice).json()
    assert "experiment" not in _room(after["connection"])
    # a rejoin keeps the conversation's variant
    room_name = during["conversation"]["room_name"]
    rejoined = users.post("/api/token", json={"room_name": room_name}, headers=alice)
    assert rejoined.status_code == 200, rejoined.text
    assert _room(rejoined.json())["experiment"]["id"] == experiment

    assert operator.delete(f"/api/experiments/{experiment}").status_code == 204
    db.expire_all()
    kept = db.get(Conversation, uuid.UUID(during["conversation"]["id"]))
    assert kept is not None and kept.experiment_id is None


def _seed(db: Session, experiment: str, key: str, i: int, *, base_ms: float, up: bool) -> None:
    conversation = Conversation(
        room_name=f"seed-{key}-{i}",
        user_id=f"seed-{key}-{i}",
        room_metadata={},
        experiment_id=uuid.UUID(experiment),
        variant_key=key,
    )
    db.add(conversation)
    db.flush()
    v2v = base_ms + (i % 5) * 20
    said = [("user", {"transcription_ms": 90.0}, False)] * (1 + i % 3)
    said += [
        ("assistant", {"e2e_ms": v2v - 10}, i % 2 == 0),
        ("assistant", {"e2e_ms": v2v + 10}, False),
    ]
    for n, (role, latency, interrupted) in enumerate(said):
        db.add(
            Message(
                conversation_id=conversation.id,
                message_id=f"m{n}",
                role=role,
                text="hi",
                latency=latency,
                interrupted=interrupted,
            )
        )
    db.add(ConversationRating(conversation_id=conversation.id, score=1 if up else -1))
    if i % 10 == 0:
        for n in range(2):  # two errors in one call count once
            db.add(
                ConversationEvent(
                    conversation_id=conversation.id,
                    event_id=f"e{n}",
                    kind="error",
                    source="llm",
                    detail="x",
                )
            )


def test_results_on_seeded_data(
    operator: TestClient, users: TestClient, alice: Headers, db: Session
) -> None:
    body = {
        "name": "Latency",
        "variants": [
            {"key": "control", "split": 40},
            {"key": "fast", "split": 40, "overrides": {"turn": {"min_delay_s": 0.05}}},
            {"key": "empty", "split": 10},
            {"key": "single", "split": 10},
        ],
    }
    experiment = _create(operator, body)["id"]
    for i in range(30):
        _seed(db, experiment, "control", i, base_ms=1000.0, up=i % 2 == 0)
        _seed(db, experiment, "fast", i, base_ms=600.0, up=i % 10 != 0)
    _seed(db, experiment, "single", 0, base_ms=800.0, up=True)
    db.commit()
    users.post("/api/conversations", json={}, headers=alice)  # not in the experiment

    results = operator.get(f"/api/experiments/{experiment}/results")
    assert results.status_code == 200, results.text
    data = results.json()
    assert data["control"] == "control" and data["alpha"] == 0.05
    control, fast, empty, single = data["variants"]
    assert (control["conversations"], fast["conversations"], empty["conversations"]) == (30, 30, 0)

    assert control["v2v_ms"]["value"] == pytest.approx(1040.0)
    assert fast["v2v_ms"]["value"] == pytest.approx(640.0)
    assert control["v2v_ms"]["low"] < 1040.0 < control["v2v_ms"]["high"]
    assert control["turns"]["value"] == pytest.approx(2.0)
    assert control["interruptions"]["value"] == pytest.approx(0.5)
    assert (control["rating_up"]["n"], control["rating_up"]["value"]) == (30, 0.5)
    assert fast["rating_up"]["value"] == pytest.approx(0.9)
    assert control["error_rate"]["value"] == pytest.approx(0.1)
    assert round(control["rating_up"]["low"], 4) == 0.3315  # Wilson, 15 of 30

    # the control is the reference: no p-value of its own
    assert all(control[m]["p_value"] is None for m in ("v2v_ms", "rating_up", "turns"))
    # a known difference is found: 400 ms faster, 90 % against 50 % thumbs up
    assert fast["v2v_ms"]["significant"] and fast["v2v_ms"]["p_value"] < 0.001
    assert fast["rating_up"]["significant"]
    # the same turns, interruptions and errors: not significant
    for metric in ("turns", "interruptions", "error_rate"):
        assert not fast[metric]["significant"] and fast[metric]["p_value"] == pytest.approx(1.0)
    assert empty["v2v_ms"] == {
        "n": 0,
        "value": None,
        "low": None,
        "high": None,
        "p_value": None,
        "significant": False,
    }
    # one conversation: its mean, but no interval and no test yet
    assert single["v2v_ms"]["value"] == pytest.approx(800.0)
    assert (single["v2v_ms"]["low"], single["v2v_ms"]["p_value"]) == (None, None)
