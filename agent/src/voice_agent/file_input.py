"""Files the user attaches in the chat: LiveKit byte streams on ``FILE_TOPIC``.

The web page sends one with ``room.localParticipant.sendFile(file, { topic: "va.file" })``.
Each file is checked before it is read and while it is read (``AGENT_FILES__*``: its type, its
size, the files of the conversation); a refused one is answered with a clear line, without
the model. Text, Markdown and a PDF's text join the session's documents (``documents.py``),
which the model sees with every reply. An image is acknowledged with a line (the local model
has no vision), or, with ``AGENT_LLM__VISION``, added to the chat context as an image part of
a user message, and the model describes it. Every other file gets one short spoken line:
"I've read notes.txt." With a backend, each file taken is stored with the conversation (its
name, kind, size and the text read; an image's bytes) and deleted with it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, llm

from .documents import Documents, DocumentUnreadable, cut, extract_text, file_kind, image_type
from .persistence import BackendClient, BackendError
from .settings import FileSettings

logger = logging.getLogger(__name__)

FILE_TOPIC = "va.file"  # web/src/features/chat/attachments.ts says the same
# the agent's attribute with its size limit, so the page refuses a larger file before
# sending it (web/src/features/chat/attachments.ts, MAX_BYTES_ATTRIBUTE)
MAX_BYTES_ATTRIBUTE = "files.max_bytes"
ATTRIBUTE_WAIT_S = 5.0  # the call starts without the page's check rather than wait longer
_NAME_CHARS = 120


@dataclass(frozen=True, slots=True)
class ImageBytes:
    content_type: str  # image/png, image/jpeg, image/gif or image/webp (by its bytes)
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """What the agent does about a file: say ``text``, or, ``by_model``, have the model
    answer with ``text`` as its instructions (an image it can see)."""

    text: str
    by_model: bool = False


# stores one file taken: its id, the backend's body (name, kind, size, text), an image's bytes
FileStore = Callable[[str, dict[str, Any], ImageBytes | None], Awaitable[None]]


class FileInput:
    def __init__(
        self,
        settings: FileSettings,
        session: AgentSession[Any],
        documents: Documents,
        *,
        store: FileStore | None = None,
        taken: int = 0,
        vision: bool = False,
    ) -> None:
        """``taken``: files the conversation already holds (a rejoined call): ``max_files``
        counts the conversation's files, not this call's. ``vision``: the model sees images."""
        self._settings = settings
        self._vision = vision
        self._session = session
        self._documents = documents
        self._store = store
        self._taken = taken
        self._tasks: set[asyncio.Task[None]] = set()

    async def attach(self, room: rtc.Room) -> None:
        """Take files from the room's user, and tell the page the size limit."""
        room.register_byte_stream_handler(FILE_TOPIC, self._on_stream)
        limit = {MAX_BYTES_ATTRIBUTE: str(self._settings.max_bytes)}
        try:
            await asyncio.wait_for(room.local_participant.set_attributes(limit), ATTRIBUTE_WAIT_S)
        except Exception:  # the agent still refuses a larger file itself
            logger.warning("could not publish the file size limit", exc_info=True)

    def _on_stream(self, reader: rtc.ByteStreamReader, identity: str) -> None:
        linked = self._session.room_io.linked_participant
        if linked is not None and identity != linked.identity:
            logger.info("file from another participant ignored", extra={"from": identity})
            reader.close()
            return
        task = asyncio.create_task(self.receive(reader))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def receive(self, reader: rtc.ByteStreamReader) -> None:
        """Take one file and answer it."""
        try:
            reply = await self.take(reader)
        except rtc.StreamError:
            logger.info("file stream ended early", exc_info=True)
            return
        if reply.by_model:
            self._session.generate_reply(instructions=reply.text)
        else:
            self._session.say(reply.text)

    async def take(self, reader: rtc.ByteStreamReader) -> Reply:
        """Read one file within the limits; what to say about it."""
        limits = self._settings
        info = reader.info
        name = (info.name or "the file").strip()[:_NAME_CHARS]
        kind = file_kind(name, info.mime_type)
        refusal: str | None = None
        if kind is None or kind not in limits.types:
            refusal = limits.wrong_type
        elif self._taken >= limits.max_files:
            refusal = limits.too_many
        elif info.size and info.size > limits.max_bytes:
            refusal = limits.too_big
        data = bytearray()
        if refusal is None:
            async for chunk in reader:
                data += chunk
                if len(data) > limits.max_bytes:
                    refusal = limits.too_big
                    break
        media_type: str | None = None
        if kind == "image" and refusal is None:
            media_type = image_type(bytes(data))
            if media_type is None:  # named .png, but not an image we know
                refusal = limits.wrong_type
        if refusal is not None:
            reader.close()
            logger.info("file refused", extra={"kind": kind, "bytes": info.size or len(data)})
            line = refusal.format(name=name, max_bytes=limits.max_bytes, max_files=limits.max_files)
            return Reply(line)
        assert kind is not None
        self._taken += 1
        logger.info("file received", extra={"kind": kind, "bytes": len(data)})
        if media_type is not None:
            image = ImageBytes(media_type, bytes(data))
            await self._keep(name, kind, len(data), "", image)
            if self._vision:
                await self._show(name, image)
                return Reply(limits.describe_image.format(name=name), by_model=True)
            return Reply(limits.image.format(name=name))
        try:
            text = (await asyncio.to_thread(extract_text, kind, bytes(data))).strip()
        except DocumentUnreadable:
            text = ""
        if not text:
            return Reply(limits.empty.format(name=name))
        text, was_cut = cut(text, limits.max_document_chars)
        self._documents.add(name, text)
        await self._keep(name, kind, len(data), text)
        if was_cut:
            return Reply(limits.read_part.format(name=name, chars=len(text)))
        return Reply(limits.read.format(name=name))

    async def _show(self, name: str, image: ImageBytes) -> None:
        """The image into the agent's chat context, as the user's message (the model sees it
        with this reply and the next ones, until it is dropped with the oldest turns)."""
        agent = self._session.current_agent
        chat_ctx = agent.chat_ctx.copy()
        url = f"data:{image.content_type};base64,{base64.b64encode(image.data).decode()}"
        chat_ctx.add_message(
            role="user", content=[f"(I shared the image {name}.)", llm.ImageContent(image=url)]
        )
        await agent.update_chat_ctx(chat_ctx)

    async def _keep(
        self, name: str, kind: str, size: int, text: str, image: ImageBytes | None = None
    ) -> None:
        """Store the file with the conversation; a failure is logged, the call goes on."""
        if self._store is None:
            return
        body = {"name": name, "kind": kind, "size": size, "text": text}
        try:
            await self._store(f"file_{uuid.uuid4().hex}", body, image)
        except Exception:
            logger.warning("could not store a file", exc_info=True)


async def restore_documents(
    client: BackendClient, room: str, documents: Documents, settings: FileSettings
) -> int:
    """A rejoined or resumed call: the conversation's stored files back into the context;
    how many the conversation holds (images too). The call starts without them when the
    backend cannot say."""
    try:
        stored = await client.list_files(room)
    except BackendError as e:
        logger.warning("could not load the conversation's files", extra={"status": e.status})
        return 0
    for item in stored:
        text = str(item.get("text") or "")
        if text:
            documents.add(
                str(item.get("name") or "a file"), cut(text, settings.max_document_chars)[0]
            )
    return len(stored)
