"""Opening a file an IMF package names, never outside the package's folder.

An ASSETMAP is the vendor's file: its `Path`s could climb out (`../../etc/passwd`), be
absolute, or pass through a symlink. `safe_relative` refuses every path that is not plain
relative parts, and `open_beneath` walks to the file one folder at a time from a descriptor of
the package folder, refusing a symlink at any step (O_NOFOLLOW), so what is opened is inside
the folder whatever the names say.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import stat
from pathlib import Path, PurePosixPath

_DIR_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_FILE_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
CHUNK = 1024 * 1024


def safe_relative(path: str) -> str | None:
    """`path` as plain relative POSIX parts ('sub/file.mxf'), or None when it is absolute,
    climbs ('..'), holds a backslash, a drive, a NUL or an empty part."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/") or ":" in path:
        return None
    parts = PurePosixPath(path).parts
    if not parts or any(p in ("", ".", "..") for p in parts):
        return None
    return "/".join(parts)


def open_beneath(folder: Path, relative: str) -> io.BufferedReader:
    """Open `relative` (from `safe_relative`) under `folder` read-only, following no symlink
    on the way. OSError when a part is missing, a link, or not a folder / regular file."""
    parts = relative.split("/")
    fd = os.open(folder, _DIR_FLAGS)
    try:
        for part in parts[:-1]:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        if not stat.S_ISREG(os.fstat(file_fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", relative)
        return os.fdopen(file_fd, "rb")
    except BaseException:
        os.close(file_fd)
        raise


def read_bounded(handle: io.BufferedReader, limit: int) -> bytes:
    """At most `limit` bytes; ValueError when the file holds more."""
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def digests(data: bytes) -> tuple[str, str]:
    """(SHA-1 as base64, as packing lists write it; SHA-256 as hex)."""
    return (
        base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),
        hashlib.sha256(data).hexdigest(),
    )


def stream_digests(handle: io.BufferedReader) -> tuple[str, str, int]:
    """(SHA-1 base64, SHA-256 hex, size) of a whole file, read once."""
    sha1, sha256, size = hashlib.sha1(), hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return base64.b64encode(sha1.digest()).decode("ascii"), sha256.hexdigest(), size
