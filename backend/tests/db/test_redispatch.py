"""The reconcile (app.core.redispatch) against the real app and database, with LiveKit's
room and dispatch services faked: a call whose agent vanished gets a resumed agent when its
user is there, also a user who was away when the agent died and rejoined within the grace;
never while an agent is listed, never twice within the grace, never past its attempts."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from livekit import api
from webhook_signing import sign, webhook_event

from app import crud
from app.core.agent_capacity import WorkerReport
from app.core.redispatch import Redispatcher
from app.core.services import Services, services_of

pytestmark = pytest.mark.db

Headers = dict[str, str]
AGENT = api.ParticipantInfo.Kind.AGENT
USER = api.ParticipantInfo.Kind.STANDARD
GRACE_S = 8.0


class FakeRoomService:
    def __init__(self) -> None:
        self.rooms: dict[str, list[api.ParticipantInfo]] = {}

    async def list_participants(
        self, request: api.ListParticipantsRequest
    ) -> api.ListParticipantsResponse:
        if request.room not in self.rooms:
            raise api.TwirpError(api.TwirpErrorCode.NOT_FOUND, "room not found", status=404)
        return api.ListParticipantsResponse(participants=self.rooms[request.room])

    async def remove_participant(
        self, request: api.RoomParticipantIdentity
    ) -> api.RemoveParticipantResponse:
        listed = self.rooms.get(request.room, [])
        if not any(p.identity == request.identity for p in listed):
            raise api.TwirpError(api.TwirpErrorCode.NOT_FOUND, "not found", status=404)
        self.rooms[request.room] = [p for p in listed if p.identity != request.identity]
        return api.RemoveParticipantResponse()


class FakeDispatchService:
    def __init__(self) -> None:
        self.made: list[api.CreateAgentDispatchRequest] = []

    async def create_dispatch(self, request: api.CreateAgentDispatchRequest) -> api.AgentDispatch:
        self.made.append(request)
        return api.AgentDispatch(room=request.room, agent_name=request.agent_name)


class FakeLiveKit:
    def __init__(self) -> None:
        self.room = FakeRoomService()
        self.agent_dispatch = FakeDispatchService()


class Call:
    """One active conversation whose agent a worker served (it greeted), then stopped serving
    (its job died); ``at(s)``: a reconcile pass ``s`` seconds after that."""

    def __init__(self, api_client: TestClient, alice: Headers, **redispatcher: float) -> None:
        created = api_client.post("/api/conversations", json={}, headers=alice).json()
        self.room: str = created["connection"]["room_name"]
        self.conversation_id: str = created["conversation"]["id"]
        self.services: Services = services_of(api_client.app)  # type: ignore[arg-type]
        with self.services.sessionmaker() as session:
            crud.upsert_message(
                session,
                conversation_id=uuid.UUID(self.conversation_id),
                message_id="greeting",
                role="assistant",
                text="Hello!",
                latency={},
                interrupted=False,
            )
            session.commit()
        self.livekit = FakeLiveKit()
        self.redispatcher = Redispatcher(
            self.services.settings,
            self.services.agent_capacity,
            self.services.sessionmaker,
            self.livekit,  # type: ignore[arg-type]
            grace_s=GRACE_S,
            **redispatcher,  # type: ignore[arg-type]
        )
        self.report((self.room,))
        self.report(())  # the worker lives on, its job died
        self.since = time.time()

    def report(self, rooms: tuple[str, ...], *, draining: bool = False) -> None:
        self.services.agent_capacity.report(
            WorkerReport("w1", self.services.settings.agent_name, 2, rooms, 0.0, draining)
        )

    def present(self, *kinds: int) -> None:
        """Who LiveKit lists: agents of ours, in the room since the call began."""
        name = {"lk.agent.name": self.services.settings.agent_name}
        self.livekit.room.rooms[self.room] = [
            api.ParticipantInfo(
                identity=f"p{i}",
                kind=kind,
                joined_at=int(self.since) - 60,
                attributes=name if kind == AGENT else {},
            )
            for i, kind in enumerate(kinds)
        ]

    @property
    def listed(self) -> list[str]:
        return [p.identity for p in self.livekit.room.rooms[self.room]]

    def at(self, seconds: float) -> list[str]:
        return asyncio.run(self.redispatcher.reconcile(now=self.since + seconds))

    @property
    def held(self) -> bool:
        return self.room in self.services.agent_capacity.served_rooms()

    @property
    def dispatches(self) -> list[api.CreateAgentDispatchRequest]:
        return self.livekit.agent_dispatch.made


def test_a_user_who_rejoins_a_room_whose_agent_died_meanwhile_gets_a_resumed_agent(
    api: TestClient, alice: Headers
) -> None:
    call = Call(api, alice)
    call.present(AGENT)  # the dead agent's participant, until LiveKit notices
    assert call.at(GRACE_S + 1) == []
    call.present()  # nobody: the user is away
    for t in (GRACE_S + 5, GRACE_S + 30, GRACE_S + 60):
        assert call.at(t) == []
        assert call.held, "the room was forgotten while its user may come back"
    call.present(USER)  # back within the grace
    assert call.at(GRACE_S + 62) == [call.room]
    [dispatch] = call.dispatches
    assert dispatch.agent_name == call.services.settings.agent_name
    metadata = json.loads(dispatch.metadata)
    assert metadata["resume"] is True and metadata["credential"]
    assert call.at(GRACE_S + 63) == []  # the new agent has the grace to come


def test_no_dispatch_while_an_agent_is_listed(api: TestClient, alice: Headers) -> None:
    call = Call(api, alice)
    call.present(USER, AGENT)
    assert call.at(GRACE_S + 1) == []
    assert call.at(GRACE_S + 20) == []
    assert call.dispatches == [] and call.held


def test_a_dead_workers_agent_is_removed_and_replaced_once_the_reports_are_trusted(
    api: TestClient, alice: Headers
) -> None:
    """A whole worker killed: its agent stays listed (~20 s) though no live worker reports
    its room. Removed, and named in the new dispatch, only after the reconcile has watched
    the reports for their whole lifetime without a pause."""
    call = Call(api, alice, report_ttl_s=10.0)
    call.present(USER, AGENT)
    assert call.at(GRACE_S) == []  # just started (or resumed after a pause): not trusted yet
    assert call.at(GRACE_S + 4) == []
    assert call.listed == ["p0", "p1"]
    assert call.at(GRACE_S + 8) == []
    assert call.at(GRACE_S + 11) == [call.room]  # watched for 11 s in steps of 4 and 3
    assert call.listed == ["p0"]
    [dispatch] = call.dispatches
    assert json.loads(dispatch.metadata)["replaces"] == ["p1"]


def test_after_a_pause_no_agent_is_taken_for_a_ghost(api: TestClient, alice: Headers) -> None:
    """The backend stopped (SIGSTOP) reads only old reports when it runs again: a live
    worker's agent must not look dead."""
    call = Call(api, alice, report_ttl_s=10.0)
    call.present(USER, AGENT)
    for t in (GRACE_S, GRACE_S + 20, GRACE_S + 40):  # each pass after a pause
        assert call.at(t) == []
    assert call.listed == ["p0", "p1"] and call.dispatches == []


def test_no_dispatch_until_a_worker_that_takes_calls_reports(
    api: TestClient, alice: Headers
) -> None:
    """LiveKit drops a dispatch that no registered worker takes (a restarting one)."""
    call = Call(api, alice)
    call.report((), draining=True)  # the only worker left stops taking calls
    call.present(USER)
    assert call.at(GRACE_S + 1) == [] and call.at(GRACE_S + 20) == []
    assert call.dispatches == [] and call.held
    call.report(())  # a worker (restarted) reports
    assert call.at(GRACE_S + 21) == [call.room]


def test_a_room_still_served_or_not_yet_stale_is_left_alone(
    api: TestClient, alice: Headers
) -> None:
    call = Call(api, alice)
    call.present(USER)
    assert call.at(GRACE_S - 1) == []  # the worker may report it again
    call.report((call.room,))  # a live worker serves it (a normal page reload)
    assert call.at(GRACE_S + 30) == []
    assert call.dispatches == []


def test_a_closed_room_or_an_ended_call_is_forgotten(api: TestClient, alice: Headers) -> None:
    gone = Call(api, alice)  # LiveKit closed the room: not listed
    assert gone.at(GRACE_S + 1) == []
    assert not gone.held
    ended = Call(api, alice)
    ended.present()
    assert api.post(f"/api/conversations/{ended.conversation_id}/end", headers=alice).is_success
    assert ended.at(GRACE_S + 1) == []
    assert not ended.held
    assert gone.dispatches == [] and ended.dispatches == []


def test_a_room_held_past_its_give_up_time_is_forgotten(api: TestClient, alice: Headers) -> None:
    call = Call(api, alice, give_up_s=100.0)
    call.present()
    assert call.at(GRACE_S + 1) == [] and call.held
    call.present(USER)
    assert call.at(101) == []
    assert not call.held and call.dispatches == []


def test_dispatches_stop_after_the_attempts(api: TestClient, alice: Headers) -> None:
    call = Call(api, alice, max_attempts=2)
    call.present(USER)  # no agent ever comes
    dispatched = [call.at(GRACE_S * n + 1) for n in range(1, 5)]
    assert dispatched == [[call.room], [call.room], [], []]
    assert len(call.dispatches) == 2
    assert not call.held


def test_a_call_whose_agent_never_came_gets_one_once_a_worker_has_room(
    api: TestClient, alice: Headers
) -> None:
    """LiveKit dropped the call's first dispatch (no worker had room then): the user's
    participant_joined puts the room under watch, and once a worker has a free call the room
    gets a first dispatch (no message yet: the greeting, not the resume line)."""
    created = api.post("/api/conversations", json={}, headers=alice).json()
    room = created["connection"]["room_name"]
    services: Services = services_of(api.app)  # type: ignore[arg-type]
    name = services.settings.agent_name
    services.agent_capacity.report(WorkerReport("w1", name, 1, ("busy",), 0.0, False))
    joined = webhook_event("participant_joined", room, event_id="EV_j", identity="u", kind=USER)
    headers = {"Content-Type": "application/webhook+json", "Authorization": sign(joined)}
    response = api.post("/livekit/webhook", content=joined.encode(), headers=headers)
    assert response.json() == {"status": "processed"}
    livekit = FakeLiveKit()
    livekit.room.rooms[room] = [api_participant("u", USER)]
    redispatcher = Redispatcher(
        services.settings,
        services.agent_capacity,
        services.sessionmaker,
        livekit,  # type: ignore[arg-type]
        grace_s=GRACE_S,
    )
    since = time.time()

    def at(seconds: float) -> list[str]:
        return asyncio.run(redispatcher.reconcile(now=since + seconds))

    assert at(1) == []  # the agent may still be coming
    assert at(GRACE_S + 1) == []  # no worker has a free call: LiveKit would drop it again
    services.agent_capacity.report(WorkerReport("w1", name, 1, (), 0.0, False))
    assert at(GRACE_S + 2) == [room]
    [dispatch] = livekit.agent_dispatch.made
    metadata = json.loads(dispatch.metadata)
    assert metadata["credential"] and "resume" not in metadata


def api_participant(identity: str, kind: int) -> api.ParticipantInfo:
    return api.ParticipantInfo(identity=identity, kind=kind, joined_at=int(time.time()))
