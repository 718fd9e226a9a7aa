"""The multi-index hash gives exactly what comparing with everything gives, only faster."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.fingerprint.index import HashIndex
from scanner.fingerprint.library import Library, LibraryItem, match_known_ai
from scanner.fingerprint.similarity import key, split, timecode_text, valid
from scanner.model import FrameHash


def clustered(rng: random.Random, count: int, bits: int) -> list[int]:
    """Hashes in clusters (near-duplicates), as perceptual hashes of a library are."""
    values = []
    while len(values) < count:
        centre = rng.getrandbits(bits)
        for _ in range(rng.randint(1, 8)):
            value = centre
            for _ in range(rng.randint(0, 12)):
                value ^= 1 << rng.randrange(bits)
            values.append(value)
    return values[:count]


@pytest.mark.parametrize(("bits", "chunks"), [(128, 8), (64, 4)])
def test_within_equals_linear_scan_on_clustered_data(bits: int, chunks: int) -> None:
    rng = random.Random(bits)
    index: HashIndex[int] = HashIndex(bits=bits, chunks=chunks)
    values = clustered(rng, 3000, bits)
    for slot, value in enumerate(values):
        index.add(value, slot)
    queries = [values[rng.randrange(len(values))] ^ (1 << rng.randrange(bits)) for _ in range(40)]
    queries += [rng.getrandbits(bits) for _ in range(10)]
    for query in queries:
        for radius in (0, 3, 8, 16, 20):
            assert index.within(query, radius) == index.linear_within(query, radius)


@settings(max_examples=60, deadline=None)
@given(
    stored=st.lists(st.integers(min_value=0, max_value=(1 << 64) - 1), min_size=1, max_size=40),
    query=st.integers(min_value=0, max_value=(1 << 64) - 1),
    radius=st.integers(min_value=0, max_value=24),
)
def test_within_equals_linear_scan_on_any_data(stored: list[int], query: int, radius: int) -> None:
    index: HashIndex[int] = HashIndex(bits=64, chunks=4)
    for slot, value in enumerate(stored):
        index.add(value, slot)
    assert index.within(query, radius) == index.linear_within(query, radius)


def test_nearest_first_and_bounds() -> None:
    index: HashIndex[str] = HashIndex(bits=64, chunks=4)
    assert index.within(0, 10) == []
    index.add(0b1111, "four bits")
    index.add(0b1, "one bit")
    assert index.within(0, 10) == [(1, "one bit"), (4, "four bits")]
    assert index.within(0, 3) == [(1, "one bit")]
    assert index.within(0, -1) == []
    assert len(index) == 2
    with pytest.raises(ValueError):
        index.add(1 << 64, "too wide")
    with pytest.raises(ValueError):
        HashIndex(bits=64, chunks=5)


def test_key_keeps_phash_and_dhash_apart() -> None:
    a = FrameHash(0.0, "ffffffffffffffff", "0000000000000000")
    b = FrameHash(0.0, "fffffffffffffff0", "000000000000000f")
    assert split(key(a) ^ key(b)) == split((0xF << 64) | 0xF)
    assert (split(key(a) ^ key(b)).phash, split(key(a) ^ key(b)).dhash) == (4, 4)


def test_stored_hashes_are_validated() -> None:
    assert valid(FrameHash(0.0, "0123456789abcdef", "FEDCBA9876543210"))
    for bad in ("", "0x23456789abcdef", "-123456789abcdef", "0123456789abcde", " 123456789abcdef"):
        assert not valid(FrameHash(0.0, bad, "0" * 16))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0, "00:00:00.0"), (3.24, "00:00:03.2"), (63.96, "00:01:04.0"), (3725.5, "01:02:05.5")],
)
def test_timecode_text(seconds: float, text: str) -> None:
    assert timecode_text(seconds) == text


# --- the matching rule on crafted hashes --------------------------------------------------


def frame_at(timecode: float, flipped_bits: int, keyframe: bool = False) -> FrameHash:
    """A frame whose pHash differs from LIBRARY_FRAME's in `flipped_bits` bits (dHash equal)."""
    return FrameHash(timecode, f"{(1 << flipped_bits) - 1:016x}", "00000000ffffffff", keyframe)


LIBRARY_FRAME = FrameHash(0.0, "0" * 16, "00000000ffffffff")


def one_item_library() -> Library:
    return Library.from_items("lib", [LibraryItem("gen/a.png", "image", LIBRARY_FRAME)])


def test_stills_match_up_to_16_video_frames_up_to_12() -> None:
    library = one_item_library()
    for bits, still, video in (
        (12, True, True),
        (13, True, False),
        (16, True, False),
        (17, False, False),
    ):
        frame = frame_at(0.0, bits)
        assert bool(match_known_ai([frame], library, kind="image")) is still, bits
        assert bool(match_known_ai([frame], library, kind="video")) is video, bits


def test_video_hits_are_grouped_in_runs_with_the_best_frame_timecode() -> None:
    library = one_item_library()
    frames = [frame_at(float(t), 30) for t in range(0, 80)]  # nothing matches ...
    frames[3] = frame_at(3.0, 6)
    frames[4] = frame_at(4.0, 2)  # ... the best of the first run
    frames[5] = frame_at(5.0, 9)
    frames[60] = frame_at(60.0, 4)  # a second use, 55 s later
    hits = match_known_ai(frames, library, kind="video")
    assert [(h.timecode, h.distance.total, h.meaning) for h in hits] == [
        (4.0, 2, "ai-composite"),
        (60.0, 4, "ai-composite"),
    ]
    assert hits[0].share == 4 / 80


def test_a_video_that_is_the_item_throughout_is_ai_generated() -> None:
    frames = [frame_at(float(t), 1) for t in range(10)]
    (hit,) = match_known_ai(frames, one_item_library(), kind="video")
    assert (hit.share, hit.meaning, hit.timecode) == (1.0, "ai-generated", 0.0)


def test_kind_is_inferred_from_the_frames_when_not_given() -> None:
    library = one_item_library()
    assert match_known_ai([frame_at(0.0, 14)], library)  # one plain frame: a still
    assert not match_known_ai([frame_at(0.0, 14, keyframe=True)], library)  # a video's frame
