"""OpenEXR headers: every attribute of every part, raw names and raw bytes; the chunk offsets.

Our own bounded parser, not a library: `OpenEXR.File` drops the whole header on one string
attribute that is not UTF-8, and the legacy `OpenEXR.InputFile` crashed (SIGSEGV) on 5 of the
OpenEXR project's damaged files. Layout (openexr.com, "OpenEXR File Layout"): magic 76 2f 31 01,
a version field (flags: tiled 0x200, long names 0x400, deep 0x800, multi-part 0x1000), then
per part a list of `name\\0 type\\0 int32 size value` ending in a NUL byte (multi-part files end
the list of headers with one more NUL), then the chunk offset tables (one uint64 per chunk).

`check_offsets` is the integrity check: every chunk the tables name must start inside the file
after the tables. A frame cut short, or one whose table is zeroed or points elsewhere, is
broken even when its header reads: its pixels cannot all be decoded.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

MAGIC = b"\x76\x2f\x31\x01"
FIRST_READ = 64 * 1024  # headers are small: one read almost always holds them all
MAX_HEADER_BYTES = 16 * 1024 * 1024  # all headers together; past it the rest is not read
MAX_PARTS = 10_000
MAX_ATTRIBUTES = 100_000  # in all parts together
MAX_CHUNKS = 2_000_000  # offsets checked per file (16 MB of tables)

MULTIPART, LONG_NAMES, DEEP, TILED = 0x1000, 0x400, 0x800, 0x200
# Scanlines per chunk for each compression id (OpenEXR ImfCompression.h, 3.4: HTJ2K added).
LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256, 10: 256,
                   11: 32}  # fmt: skip
COMPRESSION_NAMES = ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa",
                     "dwab", "htj2k256", "htj2k32")  # fmt: skip


class _Short(Exception):
    """The buffer ended inside a header: read more of the file."""


class _Limit(Exception):
    """A count cap was reached: the rest of the header is not read."""


@dataclass(frozen=True)
class Attribute:
    name: bytes  # raw, as in the file
    type: bytes
    value: bytes  # raw; `scanner.extract.exr` turns it into text


@dataclass
class ExrHeader:
    version: int = 0
    flags: int = 0
    parts: list[list[Attribute]] = field(default_factory=list)
    end: int = 0  # file offset just past the headers (where the offset tables start)
    problems: list[str] = field(default_factory=list)
    complete: bool = False  # every header was read to its end

    @property
    def multipart(self) -> bool:
        return bool(self.flags & MULTIPART)


def is_exr(head: bytes) -> bool:
    return head[:4] == MAGIC


def read_header(handle: BinaryIO, size: int) -> ExrHeader:
    """Every header of the file. Never raises for bad bytes: problems say what went wrong
    ("truncated"/"corrupt" ones mean the file is broken; `limit_reached` ones that a cap
    stopped the reading)."""
    result = ExrHeader()
    start = read_at(handle, 0, 8)
    if len(start) < 8 or start[:4] != MAGIC:
        result.problems.append("corrupt: not an OpenEXR file (no magic number)")
        return result
    (field_value,) = struct.unpack("<I", start[4:8])
    result.version, result.flags = field_value & 0xFF, field_value & ~0xFF
    if result.version != 2:
        result.problems.append(f"corrupt: unknown OpenEXR version {result.version}")
        return result
    want = FIRST_READ
    while True:
        buffer = read_at(handle, 8, want)
        try:
            result.parts, used = _parse(buffer, result, size)
        except _Short:
            if len(buffer) < want:  # the file itself ended
                result.problems.append("truncated: the file ends inside its header")
                return result
            if want >= MAX_HEADER_BYTES:
                result.problems.append(
                    limit_reached(f"OpenEXR header over {MAX_HEADER_BYTES:,} bytes: not all read")
                )
                return result
            want = min(want * 4, MAX_HEADER_BYTES)
            continue
        except _Limit as exc:
            result.problems.append(limit_reached(str(exc)))
            return result
        except ValueError as exc:
            result.problems.append(f"corrupt: {exc}")
            return result
        result.end = 8 + used
        result.complete = True
        return result


def _name(buffer: bytes, pos: int, longest: int) -> tuple[bytes, int]:
    end = buffer.find(b"\x00", pos, pos + longest + 1)
    if end < 0:
        if pos + longest + 1 > len(buffer):
            raise _Short
        raise ValueError(f"attribute name or type longer than {longest} bytes at byte {pos + 8}")
    return buffer[pos:end], end + 1


def _parse(buffer: bytes, result: ExrHeader, size: int) -> tuple[list[list[Attribute]], int]:
    longest = 255 if result.flags & LONG_NAMES else 31
    parts: list[list[Attribute]] = []
    pos, count = 0, 0
    while True:
        attributes: list[Attribute] = []
        while True:
            if pos >= len(buffer):
                raise _Short
            if buffer[pos] == 0:
                pos += 1
                break
            name, pos = _name(buffer, pos, longest)
            kind, pos = _name(buffer, pos, longest)
            if pos + 4 > len(buffer):
                raise _Short
            (length,) = struct.unpack_from("<i", buffer, pos)
            pos += 4
            if length < 0 or 8 + pos + length > size:
                raise ValueError(f"attribute {name!r} claims {length} bytes, past the file's end")
            if pos + length > len(buffer):
                raise _Short
            count += 1
            if count > MAX_ATTRIBUTES:
                raise _Limit(f"more than {MAX_ATTRIBUTES:,} OpenEXR attributes: the rest not read")
            attributes.append(Attribute(name, kind, buffer[pos : pos + length]))
            pos += length
        if not attributes and parts:
            break  # the empty header that ends a multi-part file's list
        if not attributes:
            raise ValueError("empty header")
        parts.append(attributes)
        if not result.flags & MULTIPART:
            break
        if len(parts) > MAX_PARTS:
            raise _Limit(f"more than {MAX_PARTS:,} OpenEXR parts: the rest not read")
    return parts, pos


def attribute(part: list[Attribute], name: bytes) -> Attribute | None:
    return next((a for a in part if a.name == name), None)


def box2i(part: list[Attribute], name: bytes) -> tuple[int, int, int, int] | None:
    found = attribute(part, name)
    if found is None or found.type != b"box2i" or len(found.value) != 16:
        return None
    x0, y0, x1, y1 = struct.unpack("<4i", found.value)
    return x0, y0, x1, y1


def _small_int(part: list[Attribute], name: bytes, kind: bytes, fmt: str) -> int | None:
    found = attribute(part, name)
    if found is None or found.type != kind or len(found.value) != struct.calcsize(fmt):
        return None
    return int(struct.unpack(fmt, found.value)[0])


def chunk_count(part: list[Attribute], tiled_file: bool) -> int | None:
    """How many chunks the part's offset table holds, or None when it cannot be told."""
    declared = _small_int(part, b"chunkCount", b"int", "<i")
    if declared is not None:
        return declared
    window = box2i(part, b"dataWindow")
    compression = _small_int(part, b"compression", b"compression", "<B")
    if window is None or compression is None:
        return None
    x0, y0, x1, y1 = window
    width, height = x1 - x0 + 1, y1 - y0 + 1
    if width <= 0 or height <= 0:
        return None
    tiles = attribute(part, b"tiles")
    if tiles is not None or tiled_file:
        if tiles is None or len(tiles.value) != 9:
            return None
        return _tile_count(width, height, tiles.value)
    lines = LINES_PER_CHUNK.get(compression)
    return None if lines is None else -(-height // lines)


def _tile_count(width: int, height: int, description: bytes) -> int | None:
    tile_w, tile_h, mode = struct.unpack("<IIB", description)
    if tile_w == 0 or tile_h == 0:
        return None
    level_mode, round_up = mode & 0x0F, bool(mode >> 4)

    def levels(extent: int) -> int:
        log = math.log2(extent)
        return (math.ceil(log) if round_up else math.floor(log)) + 1

    def size(extent: int, level: int) -> int:
        scaled = extent / (1 << level)
        return max(1, math.ceil(scaled) if round_up else math.floor(scaled))

    def tiles(w: int, h: int) -> int:
        return int(-(-w // tile_w) * -(-h // tile_h))

    if level_mode == 0:
        return tiles(width, height)
    if level_mode == 1:
        count = levels(max(width, height))
        return sum(tiles(size(width, lv), size(height, lv)) for lv in range(count))
    if level_mode == 2:
        x_levels, y_levels = levels(width), levels(height)
        return sum(
            tiles(size(width, lx), size(height, ly))
            for ly in range(y_levels)
            for lx in range(x_levels)
        )
    return None


def check_offsets(handle: BinaryIO, header: ExrHeader, size: int) -> str:
    """Why the chunk offset tables say the file is broken, or "" (also when they cannot be
    checked: an unknown compression, say). `limit_reached` text when too many to check."""
    tiled_file = bool(header.flags & TILED) and not header.multipart
    counts = [chunk_count(part, tiled_file) for part in header.parts]
    if any(c is None for c in counts):
        return ""
    total = sum(c for c in counts if c is not None)
    if total < 0:
        return "corrupt: negative chunk count"
    table_end = header.end + 8 * total
    if table_end > size:
        return f"truncated: the chunk offset table ({total:,} chunks) runs past the end of the file"
    if total > MAX_CHUNKS:
        return limit_reached(f"{total:,} chunks: over {MAX_CHUNKS:,}, the offsets were not checked")
    table = read_at(handle, header.end, 8 * total)
    for index, (offset,) in enumerate(struct.iter_unpack("<Q", table)):
        if offset < table_end or offset + 8 > size:
            return (
                f"truncated or corrupt: chunk {index} is said to start at byte {offset:,}, "
                f"outside the file's data ({table_end:,} to {size:,})"
            )
    return ""


# Attributes every part must have, with their type and (for fixed types) value size
# (openexr.com "OpenEXR File Layout", "Header Attributes (All Files)").
REQUIRED = {
    b"channels": (b"chlist", 0), b"compression": (b"compression", 1),
    b"dataWindow": (b"box2i", 16), b"displayWindow": (b"box2i", 16),
    b"lineOrder": (b"lineOrder", 1), b"pixelAspectRatio": (b"float", 4),
    b"screenWindowCenter": (b"v2f", 8), b"screenWindowWidth": (b"float", 4),
}  # fmt: skip
# Of those, the ones the OpenEXR library reads a file without, taking its default header's value
# (Imf::Header() holds them all): FFmpeg's EXR encoder writes no pixelAspectRatio, and OpenEXR
# and OpenImageIO read its files. Checked only for their type when present.
LIBRARY_DEFAULTS = frozenset(
    {b"lineOrder", b"pixelAspectRatio", b"screenWindowCenter", b"screenWindowWidth"}
)
MULTIPART_REQUIRED = {b"name": (b"string", 0), b"type": (b"string", 0), b"chunkCount": (b"int", 4)}
PART_TYPES = (b"scanlineimage", b"tiledimage", b"deepscanline", b"deeptile")


def check_parts(header: ExrHeader) -> str:
    """Why the headers are not a valid OpenEXR image (what the library itself refuses), or ""."""
    names: set[bytes] = set()
    for index, part in enumerate(header.parts):
        where = f"part {index}: " if header.multipart else ""
        required = dict(REQUIRED)
        if header.multipart:
            required.update(MULTIPART_REQUIRED)
        if (header.flags & TILED and not header.multipart) or _is_tiled_part(part):
            required[b"tiles"] = (b"tiledesc", 9)
        for name, (kind, length) in required.items():
            found = attribute(part, name)
            if found is None and name in LIBRARY_DEFAULTS:
                continue
            if found is None:
                return f"corrupt: {where}required attribute {name.decode()} is missing"
            if found.type != kind or (length and len(found.value) != length):
                return f"corrupt: {where}attribute {name.decode()} is not a {kind.decode()}"
        problem = _check_values(part)
        if problem:
            return f"corrupt: {where}{problem}"
        name_attribute = attribute(part, b"name")
        if header.multipart and name_attribute is not None:
            if name_attribute.value in names:
                return f"corrupt: {where}two parts share the name {name_attribute.value!r}"
            names.add(name_attribute.value)
    return ""


def _is_tiled_part(part: list[Attribute]) -> bool:
    kind = attribute(part, b"type")
    return kind is not None and kind.value in (b"tiledimage", b"deeptile")


def _check_values(part: list[Attribute]) -> str:
    for name in (b"dataWindow", b"displayWindow"):
        window = box2i(part, name)
        if window is None or window[2] < window[0] or window[3] < window[1]:
            return f"{name.decode()} is empty or inverted"
    compression = _small_int(part, b"compression", b"compression", "<B")
    if compression is None or compression not in LINES_PER_CHUNK:
        return f"unknown compression {compression}"
    line_order = _small_int(part, b"lineOrder", b"lineOrder", "<B")
    if line_order is None or line_order > 2:
        return f"unknown line order {line_order}"
    kind = attribute(part, b"type")
    if kind is not None and kind.value not in PART_TYPES:
        return f"unknown part type {kind.value[:40]!r}"
    channels = attribute(part, b"channels")
    if channels is None or not _channels_valid(channels.value):
        return "the channel list is malformed or empty"
    return ""


def _channels_valid(value: bytes) -> bool:
    pos, count = 0, 0
    while pos < len(value) and value[pos] != 0:
        end = value.find(b"\x00", pos)
        if end < 0 or end + 17 > len(value):
            return False
        pixel_type, _linear, x_sampling, y_sampling = struct.unpack_from("<iB3xii", value, end + 1)
        if pixel_type not in (0, 1, 2) or x_sampling < 1 or y_sampling < 1:
            return False
        pos, count = end + 17, count + 1
    return count > 0 and pos == len(value) - 1
