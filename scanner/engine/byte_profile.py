"""A file's byte profile, computed chunk by chunk as it is read (`scanner.engine.digests`).

The mean byte value of PROFILE_BANDS equal stretches of the file, from about PROFILE_SAMPLES
bytes evenly spaced in each, as hex: for uncompressed pictures it follows the brightness of
horizontal bands of the picture (`scanner.engine.sequence` compares neighbouring frames').
A module of its own for numpy: the scanning process uses `scanner.engine.digests` for its names
and its profile comparison, and hashes nothing.
"""

from __future__ import annotations

import numpy as np

PROFILE_BANDS = 64
PROFILE_SAMPLES = 256  # bytes sampled per band (all of them in a small file)
MAX_PROFILE_STRIDE = 256


class BandProfile:
    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self.stride = max(1, min(MAX_PROFILE_STRIDE, size // (PROFILE_BANDS * PROFILE_SAMPLES)))
        self.offset = 0
        self.sums = np.zeros(PROFILE_BANDS, dtype=np.float64)
        self.counts = np.zeros(PROFILE_BANDS, dtype=np.float64)

    def add(self, buffer: bytearray, count: int) -> None:
        stride = self.stride
        start = (-self.offset) % stride  # keep one stride across the whole file
        sampled = np.frombuffer(buffer, dtype=np.uint8, count=count)[start::stride]
        if not len(sampled):
            self.offset += count
            return
        first = self.offset + start  # file position of sampled[0]
        last = first + (len(sampled) - 1) * stride
        low = min(first * PROFILE_BANDS // self.size, PROFILE_BANDS - 1)
        high = min(last * PROFILE_BANDS // self.size, PROFILE_BANDS - 1)
        bands = np.arange(low, high + 1)
        # the first sample of each band: its first file position, as an index into `sampled`
        band_starts = -(-bands * self.size // PROFILE_BANDS)
        index = np.maximum(0, -(-(band_starts - first) // stride))
        index[0] = 0
        counts = np.diff(np.append(index, len(sampled)))
        # reduceat gives a band with no sample the next one's first value: keep it out
        sums = np.where(counts > 0, np.add.reduceat(sampled, index, dtype=np.uint64), 0)
        self.sums[low : high + 1] += sums
        self.counts[low : high + 1] += counts
        self.offset += count

    def hex(self) -> str:
        zeros = np.zeros_like(self.sums)
        means = np.divide(self.sums, self.counts, out=zeros, where=self.counts > 0)
        return bytes(np.rint(means).astype(np.uint8)).hex()
