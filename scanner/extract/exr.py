"""OpenEXR extractor: every header attribute of every part becomes evidence, by its raw name.

Fields are the attribute names exactly as the file spells them (`owner`, `comments`,
`capDate`, `software`, `nuke/node_hash`, `custom:prompt`); attributes of the second and later
parts of a multi-part file are `part[N]/name` (N from 0). Strings are decoded as UTF-8, or
Latin-1 when they are not UTF-8 (one odd byte must not lose the header); string vectors give
one evidence item per string; numbers, boxes, channel lists and enums are written out as text;
a `bytes` value (OpenEXR 3.4: uint32 hint length, the hint, the data) gives its data; that data
and opaque values of unknown types are shown as text when they are text, else as their printable
runs (`formats.binio.printable_text`), so the rules see what they hold, else as their size.

Integrity (fatal): a header that does not parse, lacks a required attribute or holds one
the library would refuse (`formats.exr.check_parts`), or chunk offset tables that point
outside the file (`check_offsets`) make the asset an error: its pixels cannot all be read.
This is checked on every frame, fingerprinted or not.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import exr, is_limit
from scanner.extract.formats.binio import printable_text
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "exr"
FORMATS = frozenset({"EXR"})
PIXEL_TYPES = ("uint", "half", "float")
LINE_ORDERS = ("increasingY", "decreasingY", "randomY")
LEVEL_MODES = ("one-level", "mipmap", "ripmap")
_NUMBERS = {
    b"int": "<i", b"float": "<f", b"double": "<d", b"v2i": "<2i", b"v2f": "<2f", b"v2d": "<2d",
    b"v3i": "<3i", b"v3f": "<3f", b"v3d": "<3d", b"box2i": "<4i", b"box2f": "<4f",
    b"chromaticities": "<8f", b"m33f": "<9f", b"m44f": "<16f", b"m33d": "<9d", b"m44d": "<16d",
    b"keycode": "<7i", b"timecode": "<2I",
}  # fmt: skip


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        size = file_size(handle)
        header = exr.read_header(handle, size)
        broken = ""
        if header.complete:
            broken = exr.check_parts(header) or exr.check_offsets(handle, header, size)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    evidence = tuple(header_evidence(header))
    problems = [_problem(p) for p in header.problems]
    if broken:
        problems.append(_problem(broken))
    return Extracted(evidence=evidence, problems=tuple(problems))


def _problem(message: str) -> Problem:
    if is_limit(message):
        return as_problem(SOURCE, message)
    return Problem(SOURCE, message, fatal=True)


def header_evidence(
    header: exr.ExrHeader, source: str = SOURCE, prefix: str = ""
) -> Iterator[Evidence]:
    """Evidence for every attribute of every part (`prefix` before every field)."""
    for index, part in enumerate(header.parts):
        part_prefix = prefix + (f"part[{index}]/" if index else "")
        for item in part:
            field = part_prefix + text(item.name)
            for value in render(item):
                yield Evidence(source, field, value)


def text(raw: bytes) -> str:
    """Bytes from the file as text: UTF-8 when they are, else Latin-1 (every byte a char)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def render(item: exr.Attribute) -> list[str]:
    """An attribute's value as the text(s) a reviewer and the rules see."""
    kind, value = item.type, item.value
    if kind == b"string":
        return [text(value)]
    if kind == b"stringvector":
        return _strings(value)
    fmt = _NUMBERS.get(kind)
    if fmt is not None and struct.calcsize(fmt) == len(value):
        numbers = struct.unpack(fmt, value)
        return [" ".join(_number(n) for n in numbers)]
    if kind == b"rational" and len(value) == 8:
        top, bottom = struct.unpack("<iI", value)
        return [f"{top}/{bottom}"]
    if len(value) == 1 and kind in (b"compression", b"lineOrder", b"envmap", b"deepImageState"):
        return [_enum(kind, value[0])]
    if kind == b"chlist":
        return [_channels(value)]
    if kind == b"tiledesc" and len(value) == 9:
        width, height, mode = struct.unpack("<IIB", value)
        level = LEVEL_MODES[mode & 0x0F] if mode & 0x0F < len(LEVEL_MODES) else str(mode & 0x0F)
        return [f"{width}x{height} {level}"]
    if kind == b"preview" and len(value) >= 8:
        width, height = struct.unpack_from("<II", value)
        return [f"preview {width}x{height}"]
    if kind == b"bytes" and len(value) >= 4:
        hint_end = 4 + struct.unpack_from("<I", value)[0]
        if hint_end <= len(value):
            return [_opaque(kind, value[hint_end:])]
    return [_opaque(kind, value)]


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.9g}"


def _strings(value: bytes) -> list[str]:
    out, pos = [], 0
    while pos + 4 <= len(value):
        (length,) = struct.unpack_from("<i", value, pos)
        pos += 4
        if length < 0 or pos + length > len(value):
            out.append(f"(malformed string vector: {len(value) - pos + 4} bytes left)")
            break
        out.append(text(value[pos : pos + length]))
        pos += length
    return out


def _enum(kind: bytes, number: int) -> str:
    names: tuple[str, ...] = {
        b"compression": exr.COMPRESSION_NAMES,
        b"lineOrder": LINE_ORDERS,
        b"envmap": ("latlong", "cube"),
    }.get(kind, ())
    return names[number] if number < len(names) else str(number)


def _channels(value: bytes) -> str:
    names, pos = [], 0
    while pos < len(value) and value[pos] != 0:
        end = value.find(b"\x00", pos)
        if end < 0 or end + 17 > len(value):
            names.append("(malformed channel list)")
            break
        (pixel_type,) = struct.unpack_from("<i", value, end + 1)
        kind = PIXEL_TYPES[pixel_type] if 0 <= pixel_type < len(PIXEL_TYPES) else str(pixel_type)
        names.append(f"{text(value[pos:end])}:{kind}")
        pos = end + 17
    return ", ".join(names)


def _opaque(kind: bytes, value: bytes) -> str:
    return printable_text(value) or f"({len(value)} bytes of type {text(kind)})"
