"""Reading a policy or register file: never through a link out of its folder, never a FIFO, bounded.

A policy or register file is trusted because of where it sits. A symlink there could hand
provscan a file from anywhere (another production's policy, a vendor's file), and a FIFO or a
device could block or never end, so `read_config_file` resolves the path, refuses a real file
outside the real folder of the path it was given or anything but a regular file, and reads a
bounded number of bytes from the file it checked.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from scanner.common.paths import is_within
from scanner.errors import ConfigError

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # the real path has no link left: a link now is a swap
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the check must not block us
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)


class ConfigFileError(ConfigError):
    """A config file that cannot be read safely. `reason` says why, without the path, so a
    caller can name the file its own way (a register error names file, row and field)."""

    def __init__(self, path: Path, what: str, reason: str) -> None:
        self.path = path
        self.what = what
        self.reason = reason
        super().__init__(f"{path}: {what} {reason}")


def read_config_file(path: Path, *, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them.

    `what` names the file in messages ("policy file", "register"). ConfigFileError when the
    path is missing, resolves outside the real folder of `path` (a symlink leaving it), is not
    a regular file, cannot be read, or holds more than `max_bytes`.
    """
    path = Path(path)
    folder = Path(os.path.abspath(path)).parent
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise ConfigFileError(path, what, "does not exist") from exc
    except (OSError, RuntimeError) as exc:  # a link loop, a name too long, no permission
        raise ConfigFileError(path, what, f"cannot be resolved: {_why(exc)}") from exc
    if not is_within(real, folder):
        raise ConfigFileError(
            path, what, f"is a symlink to {real}, outside its folder: refused (give the real file)"
        )
    try:
        before = os.stat(real, follow_symlinks=False)
    except OSError as exc:
        raise ConfigFileError(path, what, f"cannot be read: {_why(exc)}") from exc
    if not stat.S_ISREG(before.st_mode):  # never open a FIFO, a device or a folder
        raise ConfigFileError(path, what, "is not a regular file")
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise ConfigFileError(path, what, f"cannot be read: {_why(exc)}") from exc
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise ConfigFileError(path, what, "changed while it was being opened: refused")
        data = _read_at_most(fd, max_bytes + 1)
    except OSError as exc:
        raise ConfigFileError(path, what, f"cannot be read: {_why(exc)}") from exc
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ConfigFileError(path, what, f"is larger than {max_bytes} bytes")
    return data


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ELOOP:
            return "too many levels of symbolic links"
        return exc.strerror or str(exc)
    return str(exc)
