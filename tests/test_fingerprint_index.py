"""The multi-index hash gives exactly what comparing with everything gives, only faster."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.fingerprint.index import HashIndex
from scanner.fingerprint.match import key, split, timecode_text, valid
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


def test_nearest_and_bounds() -> None:
    index: HashIndex[str] = HashIndex(bits=64, chunks=4)
    assert index.nearest(0, 10) is None
    index.add(0b1111, "four bits")
    index.add(0b1, "one bit")
    assert index.nearest(0, 10) == (1, "one bit")
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
