"""JPEG XL's container (ISO/IEC 18181-2): the metadata boxes beside the codestream.

A bare codestream (FF 0A) holds no box. In the container, XMP sits in `xml ` boxes and EXIF in
`Exif` boxes (a 4-byte offset to the TIFF header, then the EXIF); either may be Brotli-compressed
in a `brob` box naming it, which is not read here (no Brotli decoder): that is a limit reached,
as is a box over the cap and a box that does not fit, which ends the walk.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.extract.formats import bmff, limit_reached
from scanner.extract.formats.binio import read_at

SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"


def boxes(handle: BinaryIO, size: int, btype: bytes, cap: int) -> tuple[list[bytes], list[str]]:
    """The bodies of the container's top-level `btype` boxes (each cut at `cap`), and the
    problems: every one a limit reached, since what was not read may hold anything."""
    if read_at(handle, 0, len(SIGNATURE)) != SIGNATURE:
        return [], []
    name = btype.decode("latin-1").strip()
    walked: list[str] = []
    bodies: list[bytes] = []
    problems: list[str] = []
    for box in bmff.iter_boxes(handle, 0, size, walked):
        if box.btype == btype:
            if box.body_size > cap:
                problems.append(
                    limit_reached(f"JXL {name} box of {box.body_size:,} bytes: first {cap:,} read")
                )
            bodies.append(bmff.body_of(handle, box, cap))
        elif box.btype == b"brob" and read_at(handle, box.body, 4) == btype:
            problems.append(limit_reached(f"JXL Brotli-compressed (brob) {name} box: not read"))
    problems.extend(limit_reached(f"JXL boxes: {p}") for p in walked)
    return bodies, problems


def exif_blocks(bodies: list[bytes]) -> tuple[list[bytes], list[str]]:
    """`Exif` box bodies -> the EXIF (TIFF) data after each one's offset."""
    blocks: list[bytes] = []
    problems: list[str] = []
    for body in bodies:
        offset = int.from_bytes(body[:4], "big") if len(body) >= 4 else -1
        if 0 <= offset <= len(body) - 4:
            blocks.append(body[4 + offset :])
        else:
            problems.append(limit_reached("JXL Exif box: its TIFF header offset is outside it"))
    return blocks, problems
