"""MediaInfo with a time limit: libmediainfo runs in a forked child that is killed when late.

libmediainfo is C code we cannot interrupt from Python, and hostile input can keep it busy:
a 14 KB damaged AVI found by fuzzing here takes 2-3 s of CPU in `MediaInfo_Open_Buffer_*`
whatever `ParseSpeed` says. So the parse happens in a `fork()`ed child that writes
MediaInfo's XML to a pipe; the parent waits at most `timeout` seconds, then kills it.
Forking costs a few milliseconds and only video/audio files get here. Where `fork` does
not exist the parse runs in-process, without the limit.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from typing import BinaryIO

from pymediainfo import MediaInfo

from scanner.discover.safe_open import descriptor_path

# Headers-only parses take ~30 ms here; a 2.3 KB mutated MP4 found by the fuzz harness keeps
# libmediainfo busy for minutes. So a small base, plus time for seeks in very large files.
BASE_TIMEOUT_SECONDS = 5.0
SECONDS_PER_GIB = 2.0
MAX_TIMEOUT_SECONDS = 60.0


def timeout_for(size: int) -> float:
    return min(MAX_TIMEOUT_SECONDS, BASE_TIMEOUT_SECONDS + SECONDS_PER_GIB * size / (1 << 30))


MAX_OUTPUT = 64 * 1024 * 1024
PARSE_SPEED = 0.0  # headers only: tags live there; 0.5 (the default) reads far more


class MediaInfoError(Exception):
    """MediaInfo failed, crashed or ran out of time; the message says which."""


def parse(handle: BinaryIO, timeout: float | None = None) -> MediaInfo:
    """MediaInfo for the open file `handle`, killed after `timeout` seconds (default:
    `timeout_for` its size)."""
    if timeout is None:
        timeout = timeout_for(os.fstat(handle.fileno()).st_size)
    name = descriptor_path(handle)
    if not hasattr(os, "fork"):
        return MediaInfo(_xml(name), encoding_errors="replace")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, write the XML, leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            data = _xml(name).encode("utf-8", errors="replace")
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        except BaseException:  # noqa: BLE001 - the parent reports the exit status
            status = 2
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        data = _read_until(read_end, pid, timeout)  # kills and reaps the child when it fails
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise MediaInfoError(f"MediaInfo failed (child exit status {code})")
    return MediaInfo(data.decode("utf-8", errors="replace"), encoding_errors="replace")


def _xml(name: str) -> str:
    # MediaInfo is given a file name, not a Python file object: through pymediainfo's buffer
    # interface at ParseSpeed 0 it calls a whole FFmpeg MXF "truncated". The name is the
    # analysis' own open descriptor (`descriptor_path`), so odd names, symlink swaps and FIFOs
    # cannot get in the way: MediaInfo reads the file that was opened and checked.
    result: str = MediaInfo.parse(name, parse_speed=PARSE_SPEED, output="OLDXML")
    return result


def _read_until(fd: int, pid: int, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    total = 0
    while True:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
        if not ready:
            _kill(pid)
            raise MediaInfoError(f"MediaInfo gave no answer within {timeout:g} s")
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_OUTPUT:
            _kill(pid)
            raise MediaInfoError(f"MediaInfo output over {MAX_OUTPUT} bytes")


def _kill(pid: int) -> None:
    """Kill and reap the child."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
