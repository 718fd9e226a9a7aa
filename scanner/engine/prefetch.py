"""Ask the kernel to start reading the files the workers get next, while they hash this one.

A worker reads a file, then hashes and parses it: on a cold page cache it waits for the disk,
then the disk waits for it. Hinting the next files (`posix_fadvise(WILLNEED)`: the kernel
queues their reads and returns at once) keeps the disk busy meanwhile. At most PREFETCH_BYTES
are hinted ahead of what the workers were handed, and no file over MAX_FILE_BYTES (a master
of tens of gigabytes would only push the frames just read out of the page cache).

The hint opens the file read-only, without following a final link and without blocking, checks
it is a regular file, and reads nothing: the analysis still opens and checks the file itself.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from scanner.discover.media import MediaFile

PREFETCH_BYTES = 96 * 1024 * 1024
MAX_FILE_BYTES = 64 * 1024 * 1024
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_FLAGS |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Prefetcher:
    """`ahead(upcoming)`: hint the files next in line; `handed(media)`: a worker has it."""

    def __init__(self, budget: int = PREFETCH_BYTES) -> None:
        self.enabled = hasattr(os, "posix_fadvise") and budget > 0
        self._budget = budget
        self._hinted: dict[int, int] = {}  # id of the MediaFile -> its bytes, not handed yet
        self._bytes = 0
        self.files = 0  # hinted in all (for tests and the benchmark)

    def ahead(self, upcoming: Iterable[MediaFile]) -> None:
        if not self.enabled:
            return
        for media in upcoming:
            if self._bytes >= self._budget:
                return
            if id(media) in self._hinted or media.size > MAX_FILE_BYTES or media.sidecar:
                continue
            self._hinted[id(media)] = media.size
            self._bytes += media.size
            if _hint(media):
                self.files += 1

    def handed(self, media: MediaFile) -> None:
        self._bytes -= self._hinted.pop(id(media), 0)


def _hint(media: MediaFile) -> bool:
    try:
        fd = os.open(media.path, _FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
