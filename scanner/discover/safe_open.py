"""Opening a delivery file: read-only, never through a final symlink, never blocking on a FIFO."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

# Flags for a read-only open that neither follows a final symlink nor blocks on a FIFO that was
# swapped in after the walker's lstat.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def open_readonly(path: Path | str) -> io.BufferedReader:
    """Open a regular file for reading only. Raises OSError for anything else."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_size(handle: BinaryIO) -> int:
    return os.fstat(handle.fileno()).st_size


def descriptor_path(handle: BinaryIO) -> str:
    """A path that opens the very file `handle` has open, for native libraries that want a
    path (MediaInfo, FFmpeg): Linux's `/proc/self/fd/N` (or `/dev/fd/N`) reaches the inode
    that was opened and checked, whatever has since been renamed, swapped or linked at the
    delivery path. Raises OSError where neither exists: the delivery path is never re-opened."""
    fd = handle.fileno()
    for candidate in (f"/proc/self/fd/{fd}", f"/dev/fd/{fd}"):
        if os.path.exists(candidate):
            return candidate
    raise OSError(errno.ENOTSUP, "no /proc/self/fd or /dev/fd to reach an open file by path")
