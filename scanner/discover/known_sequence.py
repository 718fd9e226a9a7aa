"""A whole sequence answered at once: its frames' `lstat`s -> the analysis the cache holds.

A warm re-scan of a shot of 500 frames should cost 500 `lstat`s and one lookup, not 500
lookups and 500 decoded frame analyses. Before the walk hands on a sequence's frames, it
`lstat`s them all (it would anyway) and asks the hook (`KnownSequenceHook`, the engine's
`scanner.engine.sequence_cache.SequenceCache`) whether an analysis of exactly these frames is
kept: same names, devices, inodes, sizes and modification times, and the same hashes listed
for them by the delivery's checksum manifests. When it is, the walk yields a `KnownSequence`
in place of the frames. Otherwise the frames go on one by one, as before, each with what the
manifests list for it (looked up once, here).

Only sequences whose frames are all regular files (no symlink, nothing the walk would skip)
are asked about: anything else takes the frame-by-frame path, where each case has its rule.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scanner.discover.media import Listed
from scanner.discover.sequences import SequenceStart
from scanner.model import AssetAnalysis


@dataclass(frozen=True)
class FrameStat:
    """One frame as the walk found it: its name, path, `lstat` (None when it has none) and
    what the checksum manifests list for it."""

    name: str
    path: Path
    info: os.stat_result | None
    listed: Listed | None

    @property
    def plain(self) -> bool:
        """A regular file, not a link."""
        return self.info is not None and stat.S_ISREG(self.info.st_mode)


@dataclass(frozen=True)
class KnownSequence:
    """Walk item: the sequence `rel` (whose SequenceStart came just before) is answered by a
    kept analysis; its frames are not handed on. A SequenceEnd follows."""

    rel: str
    analysis: AssetAnalysis


# (the sequence, its frames) -> the kept analysis, or None: hand the frames on
KnownSequenceHook = Callable[[SequenceStart, tuple[FrameStat, ...]], AssetAnalysis | None]


def stat_frames(
    folder: Path, names: tuple[str, ...], listed: Callable[[str], Listed | None]
) -> tuple[FrameStat, ...]:
    """Every frame's `lstat` and listed hashes. `listed(name)` is called once per frame, in
    order: the manifests count what they were asked about."""
    frames = []
    for name in names:
        path = folder / name
        try:
            info: os.stat_result | None = os.lstat(path)
        except OSError:
            info = None
        frames.append(FrameStat(name, path, info, listed(name)))
    return tuple(frames)
