"""Per-asset time and memory bounds, and the finding for an asset that exceeded one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scanner.discover.identify import sniffed
from scanner.discover.media import MediaFile
from scanner.discover.sniff import UNREAD_FORMAT
from scanner.model import AssetAnalysis, Problem

ASSET_TIME_LIMIT_S = 120.0
# A large master legitimately takes longer (every byte is hashed, C2PA may hash it again):
# each GiB adds this much, i.e. the bound assumes no less than ~17 MB/s of reading.
ASSET_TIME_PER_GIB_S = 60.0
ASSET_MEMORY_LIMIT_BYTES = 1 << 30
BOUND_SOURCE = "scan"


@dataclass(frozen=True)
class Limits:
    """Per-asset bounds. `time_for(size)` scales the time bound with the file size."""

    time_s: float = ASSET_TIME_LIMIT_S
    time_per_gib_s: float = ASSET_TIME_PER_GIB_S
    memory_bytes: int = ASSET_MEMORY_LIMIT_BYTES

    def time_for(self, size: int) -> float:
        return self.time_s + self.time_per_gib_s * max(size, 0) / (1 << 30)


def describe_seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2f} s"


def describe_bytes(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            value = count / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{count} bytes"


def time_bound_message(seconds: float) -> str:
    return f"analysis exceeded the {describe_seconds(seconds)} time bound"


def memory_bound_message(limit: int) -> str:
    return f"analysis exceeded the {describe_bytes(limit)} memory bound"


def blank_analysis(media: MediaFile) -> AssetAnalysis:
    """An asset's analysis before anything of it is read (a frame not typed yet: UNKNOWN)."""
    if media.format == UNREAD_FORMAT:
        media = sniffed(media, b"")
    return AssetAnalysis(
        path=media.rel,
        size=media.size,
        sha256="",
        media_type=media.media_type,
        kind=media.kind,
        format=media.format,
    )


def failed_analysis(media: MediaFile, message: str) -> AssetAnalysis:
    """The result for an asset whose analysis did not finish: a fatal Problem, nothing else."""
    problem = Problem(BOUND_SOURCE, message, fatal=True)
    return dataclasses.replace(blank_analysis(media), problems=(problem,))
