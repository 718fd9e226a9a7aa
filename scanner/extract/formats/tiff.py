"""TIFF IFDs (also the structure inside EXIF): selected tags of IFD0 and the EXIF sub-IFD.

Used for EXIF in every container and for XMP (tag 700) in TIFF/DNG. Works on a file object at
any base offset, so a multi-gigabyte DNG is read by seeking, never whole. Reads only the
values of the tags asked for, caps entry counts and value sizes, and stops at IFD loops.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

EXIF_IFD_TAG = 0x8769
XMP_TAG = 700
MAX_ENTRIES = 4096  # per IFD; real files have a few hundred at most
MAX_VALUE = 8 * 1024 * 1024  # bytes read for one value

# type id -> size in bytes of one element
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
              16: 8, 17: 8, 18: 8}  # fmt: skip
ASCII, SHORT, LONG, LONG8, IFD_TYPE, IFD8_TYPE = 2, 3, 4, 16, 13, 18


@dataclass(frozen=True)
class TiffValue:
    tag: int
    type_id: int
    count: int
    data: bytes  # raw bytes in the file's byte order (capped)
    ifd: str  # "IFD0" | "EXIF"


@dataclass
class TiffScan:
    big_endian: bool = False
    values: dict[tuple[str, int], TiffValue] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    ok: bool = False  # the header and IFD0 were read

    def get(self, tag: int, ifd: str = "IFD0") -> TiffValue | None:
        return self.values.get((ifd, tag))


def scan(
    handle: BinaryIO,
    base: int,
    end: int,
    wanted: dict[str, frozenset[int]],
    value_cap: int = MAX_VALUE,
) -> TiffScan:
    """Read the `wanted` tags of IFD0 (key "IFD0") and of the EXIF IFD (key "EXIF").

    `base` is where the TIFF header starts in `handle`; offsets inside are relative to it and
    must stay below `end`.
    """
    result = TiffScan()
    header = read_at(handle, base, 16)
    if header[:4] in (b"II*\x00", b"MM\x00*"):
        big = False
    elif header[:4] in (b"II+\x00", b"MM\x00+"):
        big = True
    else:
        result.problems.append("not a TIFF structure (bad byte-order mark)")
        return result
    if len(header) < (16 if big else 8):
        result.problems.append("truncated TIFF header")
        return result
    reader = _Reader(handle, base, end, header[:2] == b"MM", big, value_cap)
    result.big_endian = reader.big_endian
    first = reader.unpack(header[8:16] if big else header[4:8], "Q" if big else "I")
    seen: set[int] = set()
    exif_offset = reader.read_ifd(first, "IFD0", wanted.get("IFD0", frozenset()), result, seen)
    if exif_offset is None:
        return result
    result.ok = True
    if exif_offset and "EXIF" in wanted:
        reader.read_ifd(exif_offset, "EXIF", wanted["EXIF"], result, seen)
    return result


class _Reader:
    def __init__(
        self, handle: BinaryIO, base: int, end: int, big_endian: bool, big: bool, cap: int
    ) -> None:
        self.handle, self.base, self.end = handle, base, end
        self.big_endian, self.big, self.cap = big_endian, big, cap
        self.order = ">" if big_endian else "<"

    def unpack(self, data: bytes, code: str) -> int:
        value: int = struct.unpack(self.order + code, data)[0]
        return value

    def read_ifd(
        self, offset: int, name: str, wanted: frozenset[int], result: TiffScan, seen: set[int]
    ) -> int | None:
        """Read one IFD's wanted values; return the EXIF sub-IFD offset (0 when none)."""
        count_size, entry_size = (8, 20) if self.big else (2, 12)
        if offset in seen or offset < 8 or self.base + offset + count_size > self.end:
            result.problems.append(f"{name}: IFD offset {offset} is outside the data")
            return None
        seen.add(offset)
        raw_count = read_at(self.handle, self.base + offset, count_size)
        if len(raw_count) < count_size:
            result.problems.append(f"{name}: truncated IFD")
            return None
        count = self.unpack(raw_count, "Q" if self.big else "H")
        if count > MAX_ENTRIES:
            result.problems.append(
                limit_reached(f"{name}: {count:,} entries, only the first {MAX_ENTRIES:,} read")
            )
            count = MAX_ENTRIES
        table_at = self.base + offset + count_size
        table = read_at(self.handle, table_at, count * entry_size)
        if len(table) < count * entry_size or table_at + count * entry_size > self.end:
            result.problems.append(f"{name}: truncated IFD")
            count = min(count, len(table) // entry_size)
        exif_offset = 0
        for i in range(count):
            entry = table[i * entry_size : (i + 1) * entry_size]
            tag = self.unpack(entry[0:2], "H")
            type_id = self.unpack(entry[2:4], "H")
            if tag == EXIF_IFD_TAG and type_id in (LONG, IFD_TYPE, LONG8, IFD8_TYPE):
                exif_offset = self._first_offset(entry, type_id)
            if tag in wanted and type_id in TYPE_SIZES:
                value = self._value(entry, tag, type_id, name, result)
                if value is not None:
                    result.values[(name, tag)] = value
        return exif_offset

    def _first_offset(self, entry: bytes, type_id: int) -> int:
        if self.big:
            return self.unpack(entry[12:20], "Q" if type_id in (LONG8, IFD8_TYPE) else "I")
        return self.unpack(entry[8:12], "I")

    def _value(
        self, entry: bytes, tag: int, type_id: int, ifd: str, result: TiffScan
    ) -> TiffValue | None:
        if self.big:
            count = self.unpack(entry[4:12], "Q")
            inline, field_bytes = 8, entry[12:20]
        else:
            count = self.unpack(entry[4:8], "I")
            inline, field_bytes = 4, entry[8:12]
        length = count * TYPE_SIZES[type_id]
        if length <= inline:
            return TiffValue(tag, type_id, count, field_bytes[:length], ifd)
        offset = self.unpack(field_bytes, "Q" if self.big else "I")
        start = self.base + offset
        if start >= self.end:
            result.problems.append(f"{ifd}: tag {tag} points outside the data")
            return None
        want = min(length, self.cap, self.end - start)
        if length > self.cap:
            result.problems.append(
                limit_reached(f"{ifd}: tag {tag} value of {length:,} bytes, {want:,} read")
            )
        elif want < length:
            result.problems.append(f"{ifd}: tag {tag} value of {length} bytes, {want} read")
        return TiffValue(tag, type_id, count, read_at(self.handle, start, want), ifd)
