"""Ask the kernel to start reading the files the workers get next, while they hash this one.

A worker reads a file, then hashes and parses it: on a cold page cache it waits for the disk,
then the disk waits for it. Hinting the next files (`posix_fadvise(WILLNEED)`: the kernel
queues their reads and returns at once) keeps the disk busy meanwhile. At most PREFETCH_BYTES
are hinted ahead of what the workers were handed, and no file over MAX_FILE_BYTES.

What a hint saves is the wait for a file's first read, which for a small file (a compressed
frame, a still) is most of its read time; a file of several megabytes is streamed by the
kernel's own read-ahead once its first read starts, and hinting it whole only queues its
length in front of the reads the workers wait on. Measured on the studio benchmark's two
shots of 8.8 MB DPX frames (8.4 GB, page cache dropped, runs alternated): 9.5-11.0 s hinting
files up to 4 MiB, 11.3-12.2 s hinting those frames too (8 MB device read-ahead; 8.2-8.4
against 8.5-9.5 s at 128 KB), while its EXR shots of 1-1.2 MB frames wait on the disk without
hints (the whole tree, none hinted: 59.2 s against 54.2 s). A master of tens of gigabytes
would also push the frames just read out of the page cache.

The hints are given by a thread of their own (a hint may wait while the kernel queues the
reads, and the scanning process must go on feeding the workers meanwhile). A hint opens the
file read-only, without following a final link and without blocking, checks it is a regular
file, and reads nothing: the analysis still opens and checks the file itself.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
from collections.abc import Iterable
from pathlib import Path

from scanner.discover.media import MediaFile

PREFETCH_BYTES = 96 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_FLAGS |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class Prefetcher:
    """`ahead(upcoming)`: hint the files next in line; `handed(media)`: a worker has it;
    `close()` when done."""

    def __init__(self, budget: int = PREFETCH_BYTES) -> None:
        self.enabled = hasattr(os, "posix_fadvise") and budget > 0
        self._budget = budget
        self._hinted: dict[int, int] = {}  # id of the MediaFile -> its bytes, not handed yet
        self._bytes = 0
        self._paths: queue.SimpleQueue[list[Path] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.files = 0  # hinted in all (for tests and the benchmark)

    def ahead(self, upcoming: Iterable[MediaFile]) -> None:
        if not self.enabled or self._bytes > self._budget * 7 // 8:
            return  # refilled in batches: each hand-over to the thread costs a GIL switch
        paths: list[Path] = []
        for media in upcoming:
            if self._bytes >= self._budget:
                break
            if id(media) in self._hinted or media.size > MAX_FILE_BYTES or media.sidecar:
                continue
            self._hinted[id(media)] = media.size
            self._bytes += media.size
            paths.append(media.path)
        if not paths:
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._hint_all, name="provscan-prefetch", daemon=True
            )
            self._thread.start()
        self._paths.put(paths)  # one hand-over per call: each wakes the thread (GIL)

    def handed(self, media: MediaFile) -> None:
        self._bytes -= self._hinted.pop(id(media), 0)

    def close(self) -> None:
        if self._thread is not None:
            self._paths.put(None)
            self._thread.join()
            self._thread = None

    def _hint_all(self) -> None:
        while (paths := self._paths.get()) is not None:
            for path in paths:
                if _hint(path):
                    self.files += 1


def _hint(path: Path) -> bool:
    try:
        fd = os.open(path, _FLAGS)
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
