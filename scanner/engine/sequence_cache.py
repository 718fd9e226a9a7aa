"""A whole sequence's analysis under one cache row: a warm re-scan of an unchanged shot costs
its frames' `lstat`s and one lookup, not one lookup and one decoded analysis per frame.

The row's key, in the cache's own columns (no new table): the sequence role's scope (which
also names the sampling rules), the first frame's device and inode, the sequence's total size,
and, where a file's row holds its modification time, a 63-bit digest of everything else the
result depends on: the sequence's path, head, tail, padding and frame numbers, and per frame
its name, device, inode, size, modification and change times and the hashes the delivery's
checksum manifests list for it. The digest is stored negative, so it can never pass for a real
time (nor look "racily fresh"). Any change (a frame re-rendered, added, removed, renamed or listed
with another hash) gives another digest: a miss, and the frames go on one by one, each
answered by its own row, so a re-delivered shot with one changed frame still re-reads one
frame.

A sequence is stored as the feed assembles it, and only when: no frame was unreadable (a
fatal problem may be today's only), every frame still has the identity the walk saw (each is
stat'ed again), none was modified within the cache's racy window, and the value fits the
cache's size cap (a shot of tens of thousands of frames may not: it is then answered frame by
frame).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any

from scanner.discover.known_sequence import FrameStat
from scanner.discover.media import MediaFile
from scanner.discover.sequences import SequenceStart
from scanner.engine import sequence as sampling
from scanner.engine.cache import RACY_WINDOW_NS, FileIdentity, ResultCache
from scanner.engine.scopes import scope_for
from scanner.model import AssetAnalysis

Analyse = Callable[[MediaFile, Any], AssetAnalysis]
SEQUENCE_ROLE = "sequence"
# The rules that choose a sequence's sampled frames: a change to any of them is a new scope.
SAMPLING_RULES = {
    "every": sampling.SAMPLE_EVERY,
    "most": sampling.MAX_SAMPLED,
    "profile_change": sampling.PROFILE_CHANGE,
    "change_factor": sampling.CHANGE_FACTOR,
    "change_window": sampling.CHANGE_WINDOW,
    "size_change": sampling.SIZE_CHANGE,
}


class SequenceCache:
    """The walk's KnownSequenceHook (call it with a sequence and its frames) and the feed's
    store for the sequences it assembled (`store`)."""

    def __init__(self, cache: ResultCache | None, options: Any, analyse: Analyse) -> None:
        self._cache = cache if cache is not None and cache.enabled else None
        role = f"{SEQUENCE_ROLE}:{json.dumps(SAMPLING_RULES, sort_keys=True)}"
        self._scope = scope_for(options, analyse, role) if self._cache else ""
        self._asked: dict[str, tuple[FileIdentity, tuple[FrameStat, ...]]] = {}
        self.hits = 0
        self.stored = 0

    @property
    def enabled(self) -> bool:
        """It can answer (there is a usable cache): else the walk need not `lstat` ahead."""
        return self._cache is not None

    def __call__(self, start: SequenceStart, frames: tuple[FrameStat, ...]) -> AssetAnalysis | None:
        if self._cache is None or not frames:
            return None
        identity = sequence_identity(start, frames)
        if identity is None:
            return None
        (found,) = self._cache.lookup(self._scope, [(identity, start.rel)])
        if isinstance(found, AssetAnalysis):
            self.hits += 1
            return found
        self._asked[start.rel] = (identity, frames)
        return None

    def store(self, analysis: AssetAnalysis) -> None:
        """Keep the assembled sequence, when it may be kept (see the module docstring)."""
        asked = self._asked.pop(analysis.path, None)
        if self._cache is None or asked is None or analysis.unreadable:
            return
        identity, frames = asked
        now = time.time_ns()
        for frame in frames:
            info = frame.info
            if info is None or now - info.st_mtime_ns < RACY_WINDOW_NS:
                return
            try:
                again = os.lstat(frame.path)
            except OSError:
                return
            if _frame_key(frame.name, again) != _frame_key(frame.name, info):
                return
        self._cache.store(self._scope, [(identity, analysis)])
        self.stored += 1


def sequence_identity(start: SequenceStart, frames: tuple[FrameStat, ...]) -> FileIdentity | None:
    """The row key of this sequence's analysis (see the module docstring); None when a frame
    has no stable identity (no `lstat`, or a file system without inode numbers)."""
    first = frames[0].info
    if first is None or any(f.info is None or f.info.st_ino == 0 for f in frames):
        return None
    digest = hashlib.sha256()
    head = (start.rel, start.folder, start.head, start.tail, start.padding, start.numbers)
    digest.update(ascii(head).encode("ascii"))
    lines = []
    for frame in frames:
        assert frame.info is not None
        listed = frame.listed
        hashes = sorted((h.manifest, h.algorithm, h.value) for h in listed.hashes) if listed else ()
        covering = listed.manifests if listed else None
        # ascii(): every name as a Python literal, undecodable bytes escaped
        lines.append(ascii((*_frame_key(frame.name, frame.info), hashes, covering)))
    digest.update("\n".join(lines).encode("ascii"))
    tag = int.from_bytes(digest.digest()[:8], "big") >> 1  # 63 bits
    whole = FileIdentity.from_stat(first)
    if whole is None:
        return None
    total = sum(f.info.st_size for f in frames if f.info is not None)
    return FileIdentity(whole.dev, whole.ino, total, -tag - 1, 0)  # every frame's in the tag


def _frame_key(name: str, info: os.stat_result) -> tuple[str, int, int, int, int, int]:
    return (name, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
