"""Reading from an open binary file within bounds."""

from __future__ import annotations

from typing import BinaryIO


def read_at(handle: BinaryIO, offset: int, length: int) -> bytes:
    """Up to `length` bytes at `offset` (fewer at the end of the file)."""
    if offset < 0 or length <= 0:
        return b""
    handle.seek(offset)
    return handle.read(length)
