"""The credential the backend would put in a job's dispatch metadata, for tests that play
the agent on conversation routes (the worker's service token opens none of them)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app import crud
from app.core import job_credential
from app.core.job_credential import JobScope
from app.core.services import services_of

# make_client's default; apps built with their own settings pass this one too
JOB_SECRET = "job-credential-secret-" + "z" * 24


def job_headers(
    client: TestClient, room: str = "va-none", *, user: str = "nobody"
) -> dict[str, str]:
    """The bearer header of the job dispatched into ``room`` (its conversation's scope); a
    room with no conversation gets a credential naming that room and ``user`` (which also
    opens ``user``'s notes)."""
    services = services_of(client.app)  # type: ignore[arg-type]
    with services.sessionmaker() as session:
        conversation = crud.get_conversation_by_room(session, room_name=room)
        if conversation is None:
            scope = JobScope("none", room, user)
        else:
            scope = JobScope(str(conversation.id), room, conversation.user_id)
    token = job_credential.mint(services.settings, scope)
    assert token is not None, "the app has no BACKEND_JOB_CREDENTIAL_SECRET"
    return {"Authorization": f"Bearer {token}"}
