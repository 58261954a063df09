"""The journal and its sender, from the settings: one pair per job process (its own writes)
and one in the worker's main process (the writes of job processes that are gone, and of a
worker that crashed before this one started)."""

from __future__ import annotations

import logging

import httpx

from ..settings import AgentSettings
from .backend_client import BackendClient, job_credential
from .journal import Journal
from .journal_sender import JournalSender

logger = logging.getLogger("voice_agent.persistence")


def open_journal(settings: AgentSettings, *, credential: str | None = None) -> Journal:
    """The journal; ``credential``: the job's, stored with each of its writes."""
    j = settings.journal
    return Journal(
        j.dir,
        max_bytes=j.max_mb * 1_048_576,
        max_age_s=j.max_age_h * 3600.0,
        credential=credential,
    )


class DurableWrites:
    """A journal and its sender; ``aclose`` closes both and the sender's backend client."""

    def __init__(self, journal: Journal, client: BackendClient, sender: JournalSender) -> None:
        self.journal = journal
        self.client = client
        self.sender = sender

    @classmethod
    def from_settings(
        cls,
        settings: AgentSettings,
        *,
        adopt_orphans: bool = False,
        dispatch_metadata: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> DurableWrites | None:
        """None when persistence is off (no AGENT_BACKEND_URL). A job's sender sends with the
        job's credential (in ``dispatch_metadata``), which its journal also stores with each
        write; the worker's, which sends for jobs that are gone, with the credential stored
        with their writes (the worker's service token opens no conversation)."""
        if settings.backend_url is None:
            return None
        journal = open_journal(settings, credential=job_credential(dispatch_metadata))
        # no retries inside the client: the sender retries, without a cap
        client = BackendClient.from_settings(
            settings,
            dispatch_metadata=dispatch_metadata,
            retries=0,
            transport=transport,
            room_credential=journal.credential_for if adopt_orphans else None,
        )
        if client is None:
            journal.close()
            return None
        sender = JournalSender(
            journal,
            client,
            adopt_orphans=adopt_orphans,
            batch_messages=settings.journal.batch_messages,
        )
        return cls(journal, client, sender)

    async def aclose(self) -> None:
        await self.sender.aclose()
        await self.client.aclose()
        self.journal.close()


class WorkerReplay:
    """The worker's own sender: started with the worker, it sends what job processes left
    behind (``worker_started`` handler), and once more when the worker stops (``aclose``)."""

    def __init__(self, settings: AgentSettings) -> None:
        self._settings = settings
        self.writes: DurableWrites | None = None

    def start(self, *_event: object) -> None:
        if self.writes is None:
            self.writes = DurableWrites.from_settings(self._settings, adopt_orphans=True)
            if self.writes is not None:
                left = self.writes.journal.count()
                logger.info("journal opened", extra={"writes": left})
                self.writes.sender.start()

    async def aclose(self) -> None:
        """The worker stops, its job processes are gone: send what they left, for at most
        twice the backend timeout. What the backend has not taken stays journaled for the
        next start."""
        if self.writes is None:
            return
        try:
            await self.writes.sender.aflush(timeout_s=self._settings.backend_timeout_s * 2)
        finally:
            await self.writes.aclose()
            self.writes = None
