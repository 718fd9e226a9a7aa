"""JPEG marker segments up to the first SOS: EXIF, XMP (with ExtendedXMP), APP11, COM.

All metadata a JPEG carries sits before the image data (SOS), so the walk stops there; it
reads only APP1 and COM bodies and seeks over everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

EXIF_ID = b"Exif\x00\x00"
XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_ID = b"http://ns.adobe.com/xmp/extension/\x00"
MAX_SEGMENTS = 65_536
MAX_EXTENDED_XMP = 8 * 1024 * 1024  # bytes of ExtendedXMP assembled per GUID
MAX_EXTENDED_GUIDS = 16
MAX_COMMENTS = 64
MAX_PACKETS = 64  # standard XMP packets and EXIF blocks kept, each (one is usual)

SOI, SOS, EOI, COM, APP1, APP11 = 0xD8, 0xDA, 0xD9, 0xFE, 0xE1, 0xEB
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length field


@dataclass
class ExtendedXmp:
    full_length: int
    parts: dict[int, bytes] = field(default_factory=dict)  # offset -> bytes

    @property
    def over_cap(self) -> bool:
        return self.full_length > MAX_EXTENDED_XMP

    def assemble(self) -> tuple[bytes, bool]:
        """The packet, and whether every byte of it was present."""
        length = min(self.full_length, MAX_EXTENDED_XMP)
        buffer = bytearray(length)
        covered = 0
        for offset, data in sorted(self.parts.items()):
            piece = data[: max(0, length - offset)]
            buffer[offset : offset + len(piece)] = piece
            covered += len(piece)
        return bytes(buffer), covered >= self.full_length


@dataclass
class JpegScan:
    # Every APP1 block of each kind, in file order: readers such as exiftool read them all, so
    # a marker in a second block must not go unseen.
    exif_blocks: list[bytes] = field(default_factory=list)  # TIFF structures after "Exif\0\0"
    xmp_packets: list[bytes] = field(default_factory=list)  # standard XMP packets
    extended_xmp: dict[str, ExtendedXmp] = field(default_factory=dict)  # by GUID
    app11_segments: int = 0  # JPEG-XT/JUMBF boxes: where C2PA lives
    comments: list[bytes] = field(default_factory=list)
    reached_image_data: bool = False  # SOS found: every metadata segment was seen
    problems: list[str] = field(default_factory=list)


def scan(handle: BinaryIO, size: int) -> JpegScan:
    result = JpegScan()
    if read_at(handle, 0, 2) != b"\xff\xd8":
        result.problems.append("not a JPEG (no SOI marker)")
        return result
    pos = 2
    for _ in range(MAX_SEGMENTS):
        marker, pos = _next_marker(handle, pos, result)
        if marker is None:
            return result
        if marker in _STANDALONE or marker == SOI:
            continue
        if marker == EOI:
            result.problems.append("end of image before any image data")
            return result
        length_bytes = read_at(handle, pos, 2)
        if len(length_bytes) < 2:
            result.problems.append(f"truncated: segment header at byte {pos - 2}")
            return result
        length = int.from_bytes(length_bytes, "big")
        if length < 2 or pos + length > size:
            result.problems.append(
                f"truncated: segment 0x{marker:02X} at byte {pos - 2} runs past the end"
            )
            return result
        if marker == SOS:
            result.reached_image_data = True
            return result
        if marker == APP1:
            _app1(read_at(handle, pos + 2, length - 2), result)
        elif marker == APP11:
            result.app11_segments += 1
        elif marker == COM:
            if len(result.comments) < MAX_COMMENTS:
                result.comments.append(read_at(handle, pos + 2, length - 2))
            else:
                _once(result, f"more than {MAX_COMMENTS} comment segments: the rest not read")
        pos += length
    result.problems.append(
        limit_reached(f"more than {MAX_SEGMENTS:,} segments before the image data: not read")
    )
    return result


def _next_marker(handle: BinaryIO, pos: int, result: JpegScan) -> tuple[int | None, int]:
    """The next marker code and the position after it; fill bytes (0xFF) are skipped."""
    first = read_at(handle, pos, 1)
    if first != b"\xff":
        if not first:
            result.problems.append("truncated: file ends before the image data")
        else:
            result.problems.append(f"corrupt: expected a marker at byte {pos}")
        return None, pos
    pos += 1
    while True:
        byte = read_at(handle, pos, 1)
        if not byte:
            result.problems.append("truncated: file ends inside a marker")
            return None, pos
        pos += 1
        if byte != b"\xff":
            return byte[0], pos


def _once(result: JpegScan, message: str) -> None:
    problem = limit_reached(message)
    if problem not in result.problems:
        result.problems.append(problem)


def _app1(body: bytes, result: JpegScan) -> None:
    if body.startswith(EXIF_ID):
        if len(result.exif_blocks) < MAX_PACKETS:
            result.exif_blocks.append(body[len(EXIF_ID) :])
        else:
            _once(result, f"more than {MAX_PACKETS} EXIF blocks: the rest not read")
    elif body.startswith(XMP_ID):
        if len(result.xmp_packets) < MAX_PACKETS:
            result.xmp_packets.append(body[len(XMP_ID) :])
        else:
            _once(result, f"more than {MAX_PACKETS} XMP packets: the rest not read")
    elif body.startswith(EXTENDED_XMP_ID):
        _extended_xmp(body[len(EXTENDED_XMP_ID) :], result)


def _extended_xmp(body: bytes, result: JpegScan) -> None:
    # 32-byte GUID (hex text), 4-byte full length, 4-byte offset of this part, then the part.
    if len(body) < 40:
        result.problems.append("ExtendedXMP segment too short")
        return
    guid = body[:32].decode("latin-1")
    full_length = int.from_bytes(body[32:36], "big")
    offset = int.from_bytes(body[36:40], "big")
    part = body[40:]
    entry = result.extended_xmp.get(guid)
    if entry is None:
        if len(result.extended_xmp) >= MAX_EXTENDED_GUIDS:
            _once(result, f"more than {MAX_EXTENDED_GUIDS} ExtendedXMP packets: the rest not read")
            return
        entry = result.extended_xmp[guid] = ExtendedXmp(full_length)
    if offset < MAX_EXTENDED_XMP and offset not in entry.parts:
        entry.parts[offset] = part
