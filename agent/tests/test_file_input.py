"""Files the user attaches: checked (type, size, count) with a clear line for each refusal,
read (text, Markdown, a PDF's text), cut to the settings, and seen by the model on every reply
right after the instructions."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from fake_cloud import FakeOpenAI
from livekit import rtc
from livekit.agents import AgentSession
from test_session import ScriptedLLM
from test_typed_input import said, settle
from voice_agent.assistant import Assistant
from voice_agent.documents import Documents, cut, extract_text, file_kind, image_type
from voice_agent.file_input import FileInput, ImageBytes
from voice_agent.providers.build_options import BuildOptions
from voice_agent.providers.registry import build_llm
from voice_agent.settings import AgentSettings, FileSettings
from voice_agent.state import SessionState

pytestmark = pytest.mark.unit

FACT = "The office wifi password is heron-42."


class FakeReader:
    """A byte stream as the room hands it over: its header, then its chunks."""

    def __init__(self, name: str, data: bytes, *, mime: str = "", size: int | None = None):
        self.info = rtc.ByteStreamInfo(
            stream_id="s",
            mime_type=mime,
            topic="va.file",
            timestamp=0,
            size=len(data) if size is None else size,
            attributes={},
            name=name,
        )
        self._chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
        self.read = 0
        self.closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            if self.closed:
                return
            self.read += len(chunk)
            yield chunk

    def close(self) -> None:
        self.closed = True


def pdf_with(text: str) -> bytes:
    """A one-page PDF whose page shows ``text`` (Helvetica), offsets computed."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG: grey pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    body = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


PNG = png()


async def take(files: FileInput, reader: FakeReader) -> str:
    reply = await files.take(cast(rtc.ByteStreamReader, reader))
    assert not reply.by_model
    return reply.text


def file_input(settings: FileSettings | None = None) -> tuple[FileInput, Documents]:
    documents = Documents()
    return FileInput(settings or FileSettings(), AgentSession(), documents), documents


def test_a_files_kind_comes_from_its_name_else_its_type() -> None:
    assert file_kind("notes.TXT", "") == "text"
    assert file_kind("README.md", "application/octet-stream") == "markdown"
    assert file_kind("scan", "application/pdf") == "pdf"
    assert file_kind("photo.jpeg", "") == "image"
    assert file_kind("tool.exe", "application/octet-stream") is None
    assert file_kind("archive.zip", "") is None


def test_the_text_of_a_pdf_is_extracted() -> None:
    assert "heron-42" in extract_text("pdf", pdf_with(FACT))


def test_a_long_text_is_cut_at_a_space() -> None:
    text, was_cut = cut("one two three four five", 12)
    assert (text, was_cut) == ("one two", True)
    assert cut("short", 12) == ("short", False)


async def test_a_text_file_is_read_and_acknowledged() -> None:
    files, documents = file_input()
    line = await take(files, FakeReader("notes.txt", FACT.encode(), mime="text/plain"))
    assert line == "I've read notes.txt."
    message = documents.message()
    assert message is not None and FACT in (message.text_content or "")


async def test_a_pdf_is_read() -> None:
    files, documents = file_input()
    line = await take(files, FakeReader("memo.pdf", pdf_with(FACT)))
    assert line == "I've read memo.pdf."
    message = documents.message()
    assert message is not None and "heron-42" in (message.text_content or "")


async def test_an_oversized_file_is_refused_before_it_is_read() -> None:
    files, documents = file_input(FileSettings(max_bytes=1000))
    reader = FakeReader("big.txt", b"x" * 5000)
    line = await take(files, reader)
    assert line == "big.txt is too large for me. Please send files under 1,000 bytes."
    assert reader.read == 0 and reader.closed
    assert len(documents) == 0


async def test_a_file_that_grows_past_its_announced_size_is_cut_off() -> None:
    files, documents = file_input(FileSettings(max_bytes=2500))
    reader = FakeReader("big.txt", b"x" * 10_000, size=0)  # no size in the header
    line = await take(files, reader)
    assert "too large" in line
    assert reader.read <= 3000 and reader.closed
    assert len(documents) == 0


async def test_a_file_of_another_type_is_refused() -> None:
    files, _ = file_input()
    line = await take(files, FakeReader("tool.exe", b"MZ"))
    assert line == "I can't read tool.exe. I can take text, Markdown, PDF and image files."
    files, _ = file_input(FileSettings(types=["text"]))
    line = await take(files, FakeReader("memo.pdf", pdf_with(FACT)))
    assert line.startswith("I can't read memo.pdf.")


async def test_files_past_the_conversations_limit_are_refused() -> None:
    files, documents = file_input(FileSettings(max_files=2))
    for n in range(2):
        await take(files, FakeReader(f"{n}.txt", b"text"))
    line = await take(files, FakeReader("2.txt", b"text"))
    assert line == "That's more files than I can take in one conversation (at most 2)."
    assert len(documents) == 2


async def test_files_shared_before_a_rejoin_count_toward_the_limit() -> None:
    files = FileInput(FileSettings(max_files=2), AgentSession(), Documents(), taken=1)
    assert (await take(files, FakeReader("1.txt", b"text"))).startswith("I've read 1.txt")
    line = await take(files, FakeReader("2.txt", b"text"))
    assert line == "That's more files than I can take in one conversation (at most 2)."


async def test_an_image_is_acknowledged_not_read() -> None:
    files, documents = file_input()
    line = await take(files, FakeReader("cat.png", PNG))
    assert line == "I've saved cat.png, but I can't see images."
    assert len(documents) == 0


async def test_a_file_named_as_an_image_that_is_not_one_is_refused() -> None:
    files, _ = file_input()
    line = await take(files, FakeReader("cat.png", b"<svg onload=alert(1)>"))
    assert line.startswith("I can't read cat.png.")


def test_an_images_type_comes_from_its_bytes() -> None:
    assert image_type(PNG) == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert image_type(b"GIF89a...") == "image/gif"
    assert image_type(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<svg/>") is None


async def test_with_vision_the_model_sees_the_image_and_describes_it() -> None:
    server = await FakeOpenAI(reply="A grey square, nothing else.").start()
    settings = AgentSettings(
        llm={"provider": "openai", "base_url": server.base_url, "model": "gpt-4o", "vision": True}
    )
    model = build_llm(settings, BuildOptions(settings))
    state = SessionState()
    try:
        async with AgentSession(llm=model) as session:
            await session.start(Assistant(settings, state=state))
            await settle(session)  # the greeting
            files = FileInput(settings.files, session, state.documents, vision=True)
            await files.receive(cast(rtc.ByteStreamReader, FakeReader("square.png", PNG)))
            await settle(session)
            assert said(session)[-1] == ("assistant", "A grey square, nothing else.")
    finally:
        await model.aclose()
        await server.aclose()
    [request] = [r for r in server.requests if r.path == "/v1/chat/completions"]
    messages: list[dict[str, Any]] = request.body["messages"]
    parts = [p for m in messages if isinstance(m["content"], list) for p in m["content"]]
    [image] = [p for p in parts if p["type"] == "image_url"]
    assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    # the model is asked to describe it
    system = " ".join(m["content"] for m in messages if m["role"] == "system")
    assert "The user just shared the image square.png." in system


def test_vision_is_refused_with_the_local_model() -> None:
    with pytest.raises(ValueError, match="AGENT_LLM__VISION"):
        AgentSettings(llm={"provider": "local", "vision": True})
    with pytest.raises(ValueError, match="AGENT_LLM__VISION"):
        AgentSettings(
            llm={"provider": "openai", "vision": True, "fallback": [{"provider": "local"}]}
        )


async def test_a_long_document_is_cut_and_the_agent_says_so() -> None:
    files, documents = file_input(FileSettings(max_document_chars=200))
    line = await take(files, FakeReader("long.md", b"word " * 1000))
    assert line.startswith("long.md is long: I've read its first ")
    message = documents.message()
    assert message is not None and (message.text_content or "").count("word") <= 40


def test_the_documents_keep_the_newest_within_their_budget() -> None:
    documents = Documents(max_chars=300)
    documents.add("old.txt", "old " * 50)  # 200 characters
    documents.add("new.txt", "new " * 50)
    message = documents.message()
    assert message is not None
    text = message.text_content or ""
    assert '"new.txt"' in text and '"old.txt"' not in text
    assert documents.message() is message  # one object until the next file


async def test_the_model_sees_the_documents_after_the_instructions() -> None:
    scripted = ScriptedLLM("It is heron-42.")
    state = SessionState()
    files = FileInput(FileSettings(), AgentSession(), state.documents)
    await take(files, FakeReader("notes.txt", FACT.encode()))
    async with AgentSession(llm=scripted) as session:
        await session.start(Assistant(AgentSettings(), state=state))
        await settle(session)
        session.generate_reply(user_input="What is the wifi password?")
        await settle(session)
    assert said(session)[-1] == ("assistant", "It is heron-42.")
    [seen] = scripted.seen
    roles = [(m.role, m.text_content or "") for m in seen.messages()]
    assert roles[0][0] == "system" and FACT not in roles[0][1]  # the instructions
    assert roles[1][0] == "system" and FACT in roles[1][1]
    assert roles[-1] == ("user", "What is the wifi password?")


async def test_each_file_taken_is_stored_and_refused_ones_are_not() -> None:
    stored: list[tuple[str, dict[str, object], ImageBytes | None]] = []

    async def store(file_id: str, body: dict[str, object], image: ImageBytes | None) -> None:
        stored.append((file_id, body, image))

    files = FileInput(FileSettings(max_bytes=1000), AgentSession(), Documents(), store=store)
    await take(files, FakeReader("notes.txt", FACT.encode()))
    await take(files, FakeReader("cat.png", PNG))
    await take(files, FakeReader("big.txt", b"x" * 5000))
    await take(files, FakeReader("tool.exe", b"MZ"))
    assert [(body, image) for _, body, image in stored] == [
        ({"name": "notes.txt", "kind": "text", "size": len(FACT), "text": FACT}, None),
        (
            {"name": "cat.png", "kind": "image", "size": len(PNG), "text": ""},
            ImageBytes("image/png", PNG),
        ),
    ]
    assert len({file_id for file_id, _, _ in stored}) == 2


async def test_a_file_is_still_read_when_the_backend_fails() -> None:
    async def store(file_id: str, body: dict[str, object], image: ImageBytes | None) -> None:
        raise OSError("backend down")

    documents = Documents()
    files = FileInput(FileSettings(), AgentSession(), documents, store=store)
    assert await take(files, FakeReader("notes.txt", FACT.encode())) == "I've read notes.txt."
    assert len(documents) == 1
