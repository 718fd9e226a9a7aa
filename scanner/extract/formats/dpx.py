"""DPX (SMPTE 268M) and Cineon headers at fixed offsets, industry headers only where declared.

Text fields are cleaned; the industry headers are trusted only when the header says they are
there.

DPX: magic `SDPX` (big-endian) or `XPDS` (little-endian). The generic header (file, image,
orientation: 1664 bytes) is always read; the film and TV industry headers (384 bytes from
1664) only when the header declares them (industry size > 0) and the image data starts after
them: FFmpeg writes no industry header and puts pixels at byte 1664, so reading "industry
fields" there would read pixels. User data follows the headers, up to the image data: user data
said to run into the image data is read up to it, and the reading is incomplete.
Cineon: magic 0x802A5FD7 (either byte order); file and image information (0-711),
origination (712-1023), film information (1024-2047), user data, image data.

Text fields are ASCII, padded with NULs, and writers leave undefined ones as 0xFF: each is cut
at its first NUL, and only its printable runs of 2 or more characters are kept (joined with a
space), so neither padding nor a stray binary byte reaches a report. User data is free-form:
its 32-byte user id when it is text, then its printable runs of 4 or more characters (line
breaks kept).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

DPX_MAGICS = {b"SDPX": ">", b"XPDS": "<"}
CINEON_MAGICS = {b"\x80\x2a\x5f\xd7": ">", b"\xd7\x5f\x2a\x80": "<"}
GENERIC_SIZE = 1664
INDUSTRY_SIZE = 384
MAX_USER_DATA = 8 * 1024 * 1024
MIN_TEXT_RUN = 2
MIN_USER_RUN = 4

# (field, offset, length) of the generic header's text fields.
DPX_TEXT = (
    ("version", 8, 8), ("file_name", 36, 100), ("creation_time", 136, 24),
    ("creator", 160, 100), ("project", 260, 200), ("copyright", 460, 200),
    ("source_file_name", 1432, 100), ("source_creation_time", 1532, 24),
    ("input_device", 1556, 32), ("input_device_serial", 1588, 32),
)  # fmt: skip
DPX_FILM_TEXT = (
    ("film.manufacturer_id", 1664, 2), ("film.type", 1666, 2), ("film.offset", 1668, 2),
    ("film.prefix", 1670, 6), ("film.count", 1676, 4), ("film.format", 1680, 32),
    ("film.frame_id", 1732, 32), ("film.slate_info", 1764, 100),
)  # fmt: skip
CINEON_TEXT = (
    ("version", 24, 8), ("file_name", 32, 100), ("creation_date", 132, 12),
    ("creation_time", 144, 12), ("label", 452, 200), ("source_file_name", 720, 100),
    ("source_creation_date", 820, 12), ("source_creation_time", 832, 12),
    ("input_device", 844, 64), ("input_device_model", 908, 32),
    ("input_device_serial", 940, 32), ("film.format", 1036, 32), ("film.slate_info", 1108, 200),
)  # fmt: skip


@dataclass
class FilmHeader:
    format: str = ""  # DPX | CINEON
    fields: list[tuple[str, str]] = field(default_factory=list)
    width: int = 0
    height: int = 0
    image_offset: int = 0
    problems: list[str] = field(default_factory=list)
    broken: str = ""  # why the file is not whole ("" when it is)


def clean_text(raw: bytes, min_run: int = MIN_TEXT_RUN, keep_breaks: bool = False) -> str:
    """Printable ASCII runs of a field (cut at its first NUL), joined by a space; line breaks
    and tabs kept inside a run with `keep_breaks`, else made spaces."""
    raw = raw.split(b"\x00", 1)[0]
    runs: list[str] = []
    current = bytearray()
    for byte in raw + b"\x00":
        if 0x20 <= byte < 0x7F:
            current.append(byte)
            continue
        if byte in (0x09, 0x0A, 0x0D) and current:
            current.append(byte if keep_breaks else 0x20)
            continue
        text = current.decode("ascii").strip()
        if len(text) >= min_run:
            runs.append(text)
        current.clear()
    return " ".join(runs)


def user_fields(raw: bytes) -> list[tuple[str, str]]:
    """User data: a 32-byte user id (when the first 32 bytes are NUL-padded text) and the
    printable runs of the rest (NULs and binary between them dropped, line breaks kept)."""
    out = []
    if len(raw) > 32 and b"\x00" in raw[:32] and clean_text(raw[:32]):
        out.append(("user_data.id", clean_text(raw[:32])))
        raw = raw[32:]
    runs = [clean_text(part, MIN_USER_RUN, keep_breaks=True) for part in raw.split(b"\x00")]
    text = " ".join(r for r in runs if r)
    if text:
        out.append(("user_data", text))
    return out


def read_header(handle: BinaryIO, size: int) -> FilmHeader:
    head = read_at(handle, 0, 2048)
    if head[:4] in DPX_MAGICS:
        return _dpx(handle, head, size, DPX_MAGICS[head[:4]])
    if head[:4] in CINEON_MAGICS:
        return _cineon(handle, head, size, CINEON_MAGICS[head[:4]])
    return FilmHeader(broken="corrupt: not a DPX or Cineon file")


def _texts(head: bytes, table: tuple[tuple[str, int, int], ...]) -> list[tuple[str, str]]:
    out = []
    for name, offset, length in table:
        text = clean_text(head[offset : offset + length])
        if text:
            out.append((name, text))
    return out


def _dpx(handle: BinaryIO, head: bytes, size: int, endian: str) -> FilmHeader:
    result = FilmHeader("DPX")
    if len(head) < GENERIC_SIZE:
        result.broken = f"truncated: a DPX header is {GENERIC_SIZE} bytes, the file has {size}"
        return result

    def u32(offset: int) -> int:
        return int(struct.unpack_from(endian + "I", head, offset)[0])

    image_offset, declared_size = u32(4), u32(16)
    generic, industry, user = u32(24), u32(28), u32(32)
    result.image_offset = image_offset
    result.width, result.height = u32(772), u32(776)
    elements = int(struct.unpack_from(endian + "H", head, 770)[0])
    result.fields = _texts(head, DPX_TEXT)
    for index in range(min(elements, 8)):
        description = clean_text(head[780 + 72 * index + 40 : 780 + 72 * (index + 1)])
        if description:
            result.fields.append((f"element[{index}].description", description))
    if image_offset < GENERIC_SIZE or image_offset > size:
        result.broken = f"corrupt: image data said to start at byte {image_offset:,}"
        return result
    if declared_size not in (0, 0xFFFFFFFF) and declared_size > max(size, image_offset):
        result.broken = f"truncated: the header says {declared_size:,} bytes, the file has {size:,}"
    headers_end = GENERIC_SIZE
    if industry and generic >= GENERIC_SIZE and generic + industry <= image_offset:
        headers_end = generic + industry
        if industry >= INDUSTRY_SIZE and generic == GENERIC_SIZE:
            result.fields += _texts(head, DPX_FILM_TEXT)
            timecode = u32(1920)
            if timecode != 0xFFFFFFFF:
                result.fields.append(("tv.timecode", _bcd_timecode(timecode)))
    if user and user != 0xFFFFFFFF:
        _user_data(handle, result, headers_end, user, image_offset)
    return result


def _user_data(handle: BinaryIO, result: FilmHeader, start: int, length: int, end: int) -> None:
    if start + length > end:
        # Either size may be the wrong one: what lies before the image data is read, and what
        # the user data was said to hold past it is unknown (incomplete, not corrupt: the
        # picture itself is where the header puts it).
        readable = max(0, end - start)
        result.problems.append(
            limit_reached(
                f"user data of {length:,} bytes at byte {start:,} would run into the image data "
                f"at byte {end:,}: only the {readable:,} bytes before it read"
            )
        )
        length = readable
    data = read_at(handle, start, min(length, MAX_USER_DATA))
    if length > MAX_USER_DATA:
        result.problems.append(
            limit_reached(f"user data of {length:,} bytes: only the first {MAX_USER_DATA:,} read")
        )
    result.fields += user_fields(data)


def _bcd_timecode(value: int) -> str:
    digits = f"{value:08x}"
    return ":".join(digits[i : i + 2] for i in range(0, 8, 2))


def _cineon(handle: BinaryIO, head: bytes, size: int, endian: str) -> FilmHeader:
    result = FilmHeader("CINEON")
    if len(head) < 1024:
        result.broken = f"truncated: a Cineon header is at least 1024 bytes, the file has {size}"
        return result

    def u32(offset: int) -> int:
        return int(struct.unpack_from(endian + "I", head, offset)[0])

    image_offset, generic, industry, user, declared_size = (u32(o) for o in (4, 8, 12, 16, 20))
    result.image_offset = image_offset
    result.width, result.height = u32(200), u32(204)
    result.fields = [(n, t) for n, t in _texts(head, CINEON_TEXT) if not n.startswith("film.")]
    if image_offset < 1024 or image_offset > size:
        result.broken = f"corrupt: image data said to start at byte {image_offset:,}"
        return result
    if declared_size not in (0, 0xFFFFFFFF) and declared_size > max(size, image_offset):
        result.broken = f"truncated: the header says {declared_size:,} bytes, the file has {size:,}"
    headers_end = max(generic, 1024)
    if industry and generic + industry <= image_offset and len(head) >= 2048:
        headers_end = generic + industry
        result.fields += [(n, t) for n, t in _texts(head, CINEON_TEXT) if n.startswith("film.")]
    if user and user != 0xFFFFFFFF:
        _user_data(handle, result, headers_end, user, image_offset)
    return result
