"""RIFF top-level chunks (WebP, WAV, AVI): where EXIF, XMP and C2PA sit.

WebP keeps EXIF in `EXIF` and XMP in `XMP `; WAV and AVI keep XMP in `_PMX` (Adobe's chunk);
C2PA stores sit in a `C2PA` chunk in all three. RF64/BW64 WAV files (over 4 GiB) give the real
sizes in a `ds64` chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

MAX_CHUNKS = 100_000
MAX_CHUNK_READ = 8 * 1024 * 1024
XMP_CHUNKS = (b"XMP ", b"_PMX")
EXIF_CHUNK = b"EXIF"


@dataclass(frozen=True)
class Chunk:
    fourcc: bytes
    offset: int  # where the chunk's data starts
    length: int


@dataclass
class RiffScan:
    form: bytes = b""  # WEBP | WAVE | AVI
    chunks: list[Chunk] = field(default_factory=list)
    complete: bool = False  # every chunk lies inside the file
    problems: list[str] = field(default_factory=list)

    def first(self, *fourccs: bytes) -> Chunk | None:
        return next((c for c in self.chunks if c.fourcc in fourccs), None)


def scan(handle: BinaryIO, size: int) -> RiffScan:
    result = RiffScan()
    header = read_at(handle, 0, 12)
    if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64", b"BW64"):
        result.problems.append("not a RIFF file")
        return result
    result.form = header[8:12]
    declared_end = 8 + int.from_bytes(header[4:8], "little")
    big_sizes = header[:4] != b"RIFF"
    data_size = -1
    if big_sizes:
        # ds64: RIFF size (8), data size (8), sample count (8), ...
        ds64 = read_at(handle, 12, 8 + 16)
        if ds64[:4] == b"ds64" and len(ds64) == 24:
            declared_end = 8 + int.from_bytes(ds64[8:16], "little")
            data_size = int.from_bytes(ds64[16:24], "little")
    if declared_end > size:
        result.problems.append(
            f"truncated: RIFF header declares {declared_end} bytes, the file has {size}"
        )
    end = min(declared_end, size)
    pos = 12
    while pos + 8 <= end:
        if len(result.chunks) >= MAX_CHUNKS:
            result.problems.append(
                limit_reached(f"more than {MAX_CHUNKS:,} chunks: the rest were not read")
            )
            return result
        head = read_at(handle, pos, 8)
        fourcc = head[:4]
        length = int.from_bytes(head[4:8], "little")
        if big_sizes and fourcc == b"data" and length == 0xFFFFFFFF and data_size >= 0:
            length = data_size
        if pos + 8 + length > size:
            name = fourcc.decode("latin-1")
            result.problems.append(f"truncated: chunk {name!r} at byte {pos} runs past the end")
            result.chunks.append(Chunk(fourcc, pos + 8, max(0, size - pos - 8)))
            return result
        result.chunks.append(Chunk(fourcc, pos + 8, length))
        pos += 8 + length + (length & 1)  # chunks are padded to an even length
    result.complete = declared_end <= size
    return result


def chunk_data(handle: BinaryIO, chunk: Chunk) -> tuple[bytes, str]:
    data = read_at(handle, chunk.offset, min(chunk.length, MAX_CHUNK_READ))
    if chunk.length > MAX_CHUNK_READ:
        name = chunk.fourcc.decode("latin-1")
        return data, limit_reached(
            f"{name!r} chunk of {chunk.length:,} bytes: only the first {MAX_CHUNK_READ:,} read"
        )
    return data, ""
