"""Multi-index hashing: find every stored hash within a Hamming distance, without a full scan.

Norouzi, Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index Hashing" (CVPR 2012).
A `bits`-bit hash is cut into `chunks` substrings, each kept in its own table. If two hashes
differ in at most r bits, then by pigeonhole at least one substring differs in at most
r // chunks bits. So a query looks up, in each table, every substring within r // chunks of its
own (an enumerable handful for small radii), and verifies only those candidates exactly.
Exact: it returns the same set as comparing against everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from itertools import combinations
from typing import Generic, TypeVar

T = TypeVar("T")


@cache
def _flip_masks(width: int, radius: int) -> tuple[int, ...]:
    """Every `width`-bit mask with at most `radius` bits set, fewest bits first."""
    masks = [0]
    for ones in range(1, min(radius, width) + 1):
        for positions in combinations(range(width), ones):
            mask = 0
            for p in positions:
                mask |= 1 << p
            masks.append(mask)
    return tuple(masks)


class HashIndex(Generic[T]):
    """Hamming-space index over `bits`-bit integers, each stored with a payload."""

    def __init__(self, bits: int = 128, chunks: int = 8) -> None:
        if bits % chunks:
            raise ValueError("bits must be a multiple of chunks")
        self.bits = bits
        self.chunks = chunks
        self._width = bits // chunks
        self._chunk_mask = (1 << self._width) - 1
        self._tables: list[dict[int, list[int]]] = [{} for _ in range(chunks)]
        self._values: list[int] = []
        self._payloads: list[T] = []

    def __len__(self) -> int:
        return len(self._values)

    def add(self, value: int, payload: T) -> None:
        if not 0 <= value < (1 << self.bits):
            raise ValueError(f"value does not fit in {self.bits} bits")
        slot = len(self._values)
        self._values.append(value)
        self._payloads.append(payload)
        for table, part in zip(self._tables, self._parts(value), strict=True):
            table.setdefault(part, []).append(slot)

    def within(self, value: int, max_distance: int) -> list[tuple[int, T]]:
        """Every (distance, payload) with distance <= max_distance, nearest first."""
        if max_distance < 0 or not self._values:
            return []
        masks = _flip_masks(self._width, max_distance // self.chunks)
        seen: set[int] = set()
        found: list[tuple[int, int]] = []
        for table, part in zip(self._tables, self._parts(value), strict=True):
            for mask in masks:
                for slot in table.get(part ^ mask, ()):
                    if slot in seen:
                        continue
                    seen.add(slot)
                    distance = (self._values[slot] ^ value).bit_count()
                    if distance <= max_distance:
                        found.append((distance, slot))
        found.sort()
        return [(distance, self._payloads[slot]) for distance, slot in found]

    def linear_within(self, value: int, max_distance: int) -> list[tuple[int, T]]:
        """The same answer by comparing with everything: the reference the tests and bench use."""
        found = [((stored ^ value).bit_count(), slot) for slot, stored in enumerate(self._values)]
        found = sorted(f for f in found if f[0] <= max_distance)
        return [(distance, self._payloads[slot]) for distance, slot in found]

    def items(self) -> Iterator[tuple[int, T]]:
        return zip(self._values, self._payloads, strict=True)

    def _parts(self, value: int) -> list[int]:
        return [(value >> (i * self._width)) & self._chunk_mask for i in range(self.chunks)]
