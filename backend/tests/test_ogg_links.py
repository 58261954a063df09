"""A recording of several Ogg Opus streams (a call resumed after an agent crash) joined into
one stream: it decodes to the length of both parts, has one stream, and valid checksums."""

from __future__ import annotations

import struct

import pytest
from ogg_opus import decoded_seconds, ogg_opus, streams_started

from app.recordings import ogg_links

pytestmark = pytest.mark.unit

FIRST = ogg_opus(2.0, 440)
SECOND = ogg_opus(1.5, 660)


def _crcs_hold(data: bytes) -> bool:
    at = 0
    while at < len(data):
        segments = data[at + 26]
        end = at + 27 + segments + sum(data[at + 27 : at + 27 + segments])
        page = data[at:end]
        (stored,) = struct.unpack_from("<I", page, 22)
        if ogg_links.ogg_crc(page[:22] + bytes(4) + page[26:]) != stored:
            return False
        at = end
    return True


def test_the_checksum_is_oggs() -> None:
    assert _crcs_hold(FIRST) and _crcs_hold(SECOND)  # libogg's own, recomputed the same


def test_a_new_stream_is_recognised_at_its_first_page() -> None:
    assert ogg_links.starts_link(SECOND)
    assert not ogg_links.starts_link(SECOND[1:])
    assert not ogg_links.starts_link(b"OggS" + b"\x00\x02" * 30)  # no OpusHead
    assert not ogg_links.starts_link(FIRST[200:])  # audio pages


def test_two_streams_are_joined_into_one_that_plays_both() -> None:
    joined = ogg_links.join(FIRST + SECOND, [len(FIRST)])
    assert streams_started(FIRST + SECOND) == 2  # chained: Chrome stops after the first
    assert streams_started(joined) == 1
    assert _crcs_hold(joined)
    # both parts, give or take the second encoder's priming (6.5 ms) and end trimming
    assert decoded_seconds(joined) == pytest.approx(3.5, abs=0.03)


def test_an_unfinished_last_page_of_the_first_part_is_left_out() -> None:
    cut = FIRST[:-300]  # the crashed agent's last upload ended within a page
    joined = ogg_links.join(cut + SECOND, [len(cut)])
    assert streams_started(joined) == 1 and _crcs_hold(joined)
    assert 3.2 < decoded_seconds(joined) < 3.52  # one 0.2 s page of the first part fewer


def test_three_parts_and_a_recording_still_being_written() -> None:
    third = ogg_opus(1.0, 330)
    data = FIRST + SECOND + third[:-100]
    joined = ogg_links.join(data, [len(FIRST), len(FIRST) + len(SECOND)])
    assert streams_started(joined) == 1 and _crcs_hold(joined)
    assert 4.2 < decoded_seconds(joined) < 4.55


def test_bytes_that_are_not_ogg_are_said_so() -> None:
    with pytest.raises(ogg_links.NotOggOpus):
        ogg_links.join(b"not ogg at all, no" * 10, [50])


def test_the_end_of_a_stream_is_read_from_its_last_bytes() -> None:
    whole = ogg_links.last_granule(FIRST)
    assert 2.0 <= whole / 48000 < 2.02  # 2 s and the encoder's priming
    assert ogg_links.last_granule(FIRST[-3000:]) == whole  # from mid-page on
    cut = FIRST[:-150]
    assert 0 < ogg_links.last_granule(cut) < whole  # the unfinished page does not count
    assert ogg_links.last_granule(b"no pages here, OggS then junk") == 0
