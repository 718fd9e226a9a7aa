"""A read-only view of part of an open file, as a file of its own (seek, tell, read)."""

from __future__ import annotations

from typing import BinaryIO

from scanner.extract.formats.binio import read_at


class Window:
    """Bytes `start` to `start + length` of `handle`: reads stop at the window's end, so a
    parser handed it cannot run past the part it was given, whatever lengths it reads."""

    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        self.handle, self.start, self.length, self.position = handle, start, max(0, length), 0

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, count: int | None = -1) -> bytes:
        left = max(0, self.length - self.position)
        count = left if count is None or count < 0 else min(count, left)
        data = read_at(self.handle, self.start + self.position, count)
        self.position += len(data)
        return data
