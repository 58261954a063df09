"""A recording made of several Ogg Opus streams, served as one.

A call resumed by a new agent after a crash appends the new agent's own Ogg Opus stream after
the stored bytes: a chained Ogg file (a second "link"). Firefox and ffmpeg play every link;
Chromium, served by byte ranges, takes its length from the last link's granule positions and
stops early. So the stored bytes stay as uploaded (the agent appends
by their offsets), the backend notes where each later link starts (``starts_link``, at
upload), and playback joins the links into one stream (``join``): the first link's headers,
then every link's audio pages with the first link's serial number, page numbers that run on,
granule positions that go on from the previous link's end, and their checksums made again.
An unfinished page at the end of a link (the crashed agent's last upload) is left out.

Each page keeps its bytes apart from those header fields, so Opus packets are not decoded:
the second link's first few milliseconds (its encoder's priming) play as they are.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_CAPTURE = b"OggS"
_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, n
_BOS, _EOS = 0x02, 0x04  # header flags: beginning and end of a stream
_NO_GRANULE = -1  # no packet ends on the page
_HEAD_PACKETS = 2  # OpusHead and OpusTags (RFC 7845): the audio starts on a fresh page
SAMPLE_RATE = 48000  # Opus granule positions count 48 kHz samples
_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


class NotOggOpus(Exception):
    """The bytes are not the Ogg pages they should be: serve them as they are."""


@dataclass(frozen=True, slots=True)
class _Page:
    flags: int
    granule: int
    serial: int
    lacing: bytes
    body: bytes

    @property
    def packets_ended(self) -> int:
        return sum(1 for value in self.lacing if value < 255)

    @property
    def ends_a_packet(self) -> bool:
        return bool(self.lacing) and self.lacing[-1] < 255


def starts_link(data: bytes) -> bool:
    """Whether ``data`` begins a new Ogg Opus stream (its first page: OpusHead)."""
    if len(data) < _HEADER.size or data[:4] != _CAPTURE:
        return False
    _, version, flags, *_rest, segments = _HEADER.unpack_from(data)
    start = _HEADER.size + segments
    return version == 0 and bool(flags & _BOS) and data[start : start + 8] == b"OpusHead"


def ogg_crc(data: bytes) -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, initial 0), by
    zlib's reflected CRC-32 on the bit-reversed bytes."""
    reflected = zlib.crc32(data.translate(_REVERSED)) ^ zlib.crc32(bytes(len(data)))
    return int(f"{reflected:032b}"[::-1], 2)


def _pages(data: bytes) -> Iterator[_Page]:
    """The complete pages of one link, in order (an unfinished last one is left out)."""
    at = 0
    while at + _HEADER.size <= len(data):
        capture, version, flags, granule, serial, _seq, _crc, segments = _HEADER.unpack_from(
            data, at
        )
        if capture != _CAPTURE or version != 0:
            raise NotOggOpus("not an Ogg page")
        lacing_end = at + _HEADER.size + segments
        end = lacing_end + sum(data[at + _HEADER.size : lacing_end])
        if lacing_end > len(data) or end > len(data):
            return  # the rest was never uploaded
        yield _Page(
            flags, granule, serial, data[at + _HEADER.size : lacing_end], data[lacing_end:end]
        )
        at = end


def _split(link: bytes) -> tuple[list[_Page], list[_Page]]:
    """A link's header pages (OpusHead, OpusTags) and its audio pages, up to its last page
    that ends a packet."""
    pages = list(_pages(link))
    ended, head = 0, 0
    while head < len(pages) and ended < _HEAD_PACKETS:
        ended += pages[head].packets_ended
        head += 1
    if ended < _HEAD_PACKETS:
        return pages[:head], []
    audio = pages[head:]
    while audio and not audio[-1].ends_a_packet:
        audio.pop()
    return pages[:head], audio


def last_granule(tail: bytes) -> int:
    """The granule position (samples) at the end of the last complete page that ends a packet
    in ``tail``, the end of a link that may begin mid-page; 0 when there is none. A page counts
    only when its checksum holds (``OggS`` may occur inside audio)."""
    found = 0
    at = tail.find(_CAPTURE)
    while 0 <= at <= len(tail) - _HEADER.size:
        page = _checked_page(tail, at)
        if page is None:
            at = tail.find(_CAPTURE, at + 1)
            continue
        length, granule, ends_a_packet = page
        if ends_a_packet and granule != _NO_GRANULE:
            found = granule
        at += length
    return found


def _checked_page(data: bytes, at: int) -> tuple[int, int, bool] | None:
    """(length, granule, ends a packet) of the page at ``at`` if it is whole and its checksum
    holds, else None."""
    *_, granule, _serial, _seq, crc, segments = _HEADER.unpack_from(data, at)
    lacing_end = at + _HEADER.size + segments
    if lacing_end > len(data):
        return None
    lacing = data[at + _HEADER.size : lacing_end]
    end = lacing_end + sum(lacing)
    if end > len(data) or ogg_crc(data[at : at + 22] + bytes(4) + data[at + 26 : end]) != crc:
        return None
    return end - at, granule, bool(lacing) and lacing[-1] < 255


def _page_bytes(page: _Page, *, serial: int, seq: int, granule: int, flags: int) -> bytes:
    header = _HEADER.pack(_CAPTURE, 0, flags, granule, serial, seq, 0, len(page.lacing))
    raw = header + page.lacing + page.body
    crc = ogg_crc(raw)
    return raw[:22] + struct.pack("<I", crc) + raw[26:]


def join(data: bytes, links: list[int]) -> bytes:
    """The recording's links (each later one starting at an offset in ``links``) as one Ogg
    Opus stream. Raises NotOggOpus when the bytes are not Ogg pages."""
    bounds = [0, *sorted(o for o in links if 0 < o < len(data)), len(data)]
    split = [_split(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    head = split[0][0]
    if not head or not head[0].flags & _BOS:
        raise NotOggOpus("the recording does not start a stream")
    serial = head[0].serial
    out = bytearray()
    for seq, page in enumerate(head):
        out += _page_bytes(page, serial=serial, seq=seq, granule=page.granule, flags=page.flags)
    seq = len(head)
    offset = 0  # samples before this link in the joined stream
    for number, (_, audio) in enumerate(split):
        last_link = number == len(split) - 1
        for n, page in enumerate(audio):
            flags = page.flags & ~_BOS
            if not (last_link and n == len(audio) - 1):
                flags &= ~_EOS
            granule = page.granule if page.granule == _NO_GRANULE else offset + page.granule
            out += _page_bytes(page, serial=serial, seq=seq, granule=granule, flags=flags)
            seq += 1
        ended = [p.granule for p in audio if p.granule != _NO_GRANULE]
        if ended:
            offset += ended[-1]
    return bytes(out)
