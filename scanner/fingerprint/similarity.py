"""When are two frame hashes the same picture? The one rule every matcher here uses."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.fingerprint import thresholds
from scanner.model import FrameHash


@dataclass(frozen=True)
class Distance:
    phash: int
    dhash: int

    @property
    def total(self) -> int:
        return self.phash + self.dhash

    def describe(self) -> str:
        return f"phash distance {self.phash}, dhash distance {self.dhash}"


def key(frame: FrameHash) -> int:
    """pHash and dHash side by side as one 128-bit integer: what the index stores."""
    return (int(frame.phash, 16) << 64) | int(frame.dhash, 16)


def distance(a: FrameHash, b: FrameHash) -> Distance:
    return split(key(a) ^ key(b))


def split(xor: int) -> Distance:
    return Distance((xor >> 64).bit_count(), (xor & ((1 << 64) - 1)).bit_count())


def same_picture(d: Distance, video: bool = False) -> bool:
    """The rule chosen from the bench table (see thresholds.py); tighter for video frames."""
    return d.total <= (thresholds.VIDEO_FRAME_MAX if video else thresholds.SAME_PICTURE_MAX)


# Index search radius on the 128-bit key: any pair `same_picture` accepts is within it.
SEARCH_RADIUS = thresholds.SAME_PICTURE_MAX


def valid(frame: FrameHash) -> bool:
    """Hashes from a stored report are untrusted text: 16 hex digits each or ignored."""
    return _hex64(frame.phash) and _hex64(frame.dhash)


def _hex64(text: str) -> bool:
    return isinstance(text, str) and len(text) == 16 and all(c in _HEX for c in text)


_HEX = frozenset("0123456789abcdefABCDEF")


def timecode_text(seconds: float) -> str:
    """00:01:03.2 style: hours, minutes, seconds to a tenth."""
    tenths = max(0, round(seconds * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    return f"{hours:02d}:{minutes:02d}:{rest // 10:02d}.{rest % 10}"
