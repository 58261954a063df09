"""Files the user shared, as the model sees them: the kind of a file (from its name, else its
MIME type), its text (UTF-8 text and Markdown as they are, a PDF's text through pypdf), and
the documents of the session as one system message, kept right after the instructions (never
dropped with the oldest turns; ``context_window.py`` shortens it before the instructions when
a request would not fit)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Literal

from livekit.agents import llm

logger = logging.getLogger(__name__)

FileKind = Literal["text", "markdown", "pdf", "image"]

_BY_SUFFIX: dict[str, FileKind] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".gif": "image",
    ".webp": "image",
}
_BY_MIME: dict[str, FileKind] = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/gif": "image",
    "image/webp": "image",
}
_INTRO = (
    "The user shared these files in this conversation. Answer questions about them from their text."
)


class DocumentUnreadable(Exception):
    """The file is not what its name says (a broken PDF, say)."""


def file_kind(name: str, mime_type: str) -> FileKind | None:
    """What a file is, by its name's suffix, else its MIME type; None: not one we take."""
    dot = name.rfind(".")
    if dot > 0 and (kind := _BY_SUFFIX.get(name[dot:].lower())) is not None:
        return kind
    return _BY_MIME.get(mime_type.split(";")[0].strip().lower())


_IMAGE_MAGIC: tuple[tuple[str, bytes, int], ...] = (
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/gif", b"GIF87a", 0),
    ("image/gif", b"GIF89a", 0),
    ("image/webp", b"WEBP", 8),  # after "RIFF" and the size
)


def image_type(data: bytes) -> str | None:
    """The MIME type of an image by its first bytes (PNG, JPEG, GIF, WebP), or None."""
    for media_type, magic, at in _IMAGE_MAGIC:
        if data[at : at + len(magic)] == magic and (at == 0 or data[:4] == b"RIFF"):
            return media_type
    return None


def extract_text(kind: FileKind, data: bytes) -> str:
    """The text of a text, Markdown or PDF file (blocking: run it in a thread for a PDF)."""
    if kind in ("text", "markdown"):
        return data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if kind == "pdf":
        return _pdf_text(data)
    return ""


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader  # imported where used: only calls that get a PDF need it
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as e:
        raise DocumentUnreadable(type(e).__name__) from None


def cut(text: str, max_chars: int) -> tuple[str, bool]:
    """``text`` within ``max_chars`` (at a space where it can), and whether it was cut."""
    if len(text) <= max_chars:
        return text, False
    kept = text[:max_chars]
    space = kept.rfind(" ")
    return (kept[:space] if space > max_chars // 2 else kept).rstrip(), True


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    text: str


class Documents:
    """The session's documents; ``message`` holds the newest that fit in ``max_chars``."""

    def __init__(self, max_chars: int = 4000) -> None:
        self._max_chars = max_chars
        self._documents: list[Document] = []
        # one object while nothing changes: requests share the prompt's prefix (and its count)
        self._message: llm.ChatMessage | None = None

    def add(self, name: str, text: str) -> None:
        self._documents.append(Document(name, text))
        self._message = None

    def __len__(self) -> int:
        return len(self._documents)

    def message(self) -> llm.ChatMessage | None:
        """The documents as one system message (None: no documents)."""
        if self._message is None and self._documents:
            parts: list[str] = []
            used = 0
            for doc in reversed(self._documents):  # newest first, within the budget
                part = f'File "{doc.name}":\n{doc.text}'
                if used + len(part) > self._max_chars:
                    if not parts:  # the newest is always there, cut to fit
                        parts.append(cut(part, self._max_chars)[0])
                    break
                parts.append(part)
                used += len(part)
            text = "\n\n".join([_INTRO, *reversed(parts)])
            self._message = llm.ChatMessage(role="system", content=[text])
        return self._message

    def with_documents(self, chat_ctx: llm.ChatContext) -> llm.ChatContext:
        """``chat_ctx`` with the documents' message after its leading system messages."""
        message = self.message()
        if message is None:
            return chat_ctx
        items = list(chat_ctx.items)
        head = 0
        while head < len(items) and _is_instructions(items[head]):
            head += 1
        return llm.ChatContext([*items[:head], message, *items[head:]])


def _is_instructions(item: llm.ChatItem) -> bool:
    return isinstance(item, llm.ChatMessage) and item.role in ("system", "developer")
