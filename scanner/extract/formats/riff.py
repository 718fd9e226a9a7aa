"""RIFF top-level chunks (WebP, WAV, AVI): where EXIF, XMP and C2PA sit.

WebP keeps EXIF in `EXIF` and XMP in `XMP `; WAV and AVI keep XMP in `_PMX` (Adobe's chunk);
C2PA stores sit in a `C2PA` chunk in all three. RF64/BW64 WAV files (over 4 GiB) give the real
sizes in a `ds64` chunk. Chunks past the end the RIFF header declares are read too (a wrong
size must not hide one); bytes there that are not whole chunks make the reading incomplete.
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
    data_size = -1
    if header[:4] != b"RIFF":
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
    pos = _walk(handle, 12, end, size, data_size, result)
    if pos >= 0 and pos + 8 <= end:
        name = _cut_chunk(handle, pos, size, result)
        result.problems.append(f"truncated: chunk {name!r} at byte {pos} runs past the end")
        return result
    result.complete = pos >= 0 and declared_end <= size
    if result.complete and pos < size:
        _past_the_end(handle, pos, size, data_size, result)
    return result


def _walk(handle: BinaryIO, pos: int, end: int, size: int, data_size: int, result: RiffScan) -> int:
    """Chunks from `pos` while a chunk header fits before `end`, each lying inside the file;
    where the walk stopped (a chunk that runs past the file starts there), -1 at MAX_CHUNKS."""
    while pos + 8 <= end:
        if len(result.chunks) >= MAX_CHUNKS:
            result.problems.append(
                limit_reached(f"more than {MAX_CHUNKS:,} chunks: the rest were not read")
            )
            return -1
        head = read_at(handle, pos, 8)
        fourcc = head[:4]
        length = int.from_bytes(head[4:8], "little")
        if fourcc == b"data" and length == 0xFFFFFFFF and data_size >= 0:  # RF64: from ds64
            length = data_size
        if pos + 8 + length > size:
            return pos
        result.chunks.append(Chunk(fourcc, pos + 8, length))
        pos += 8 + length + (length & 1)  # chunks are padded to an even length
    return pos


def _cut_chunk(handle: BinaryIO, pos: int, size: int, result: RiffScan) -> str:
    """Keep what the file holds of the chunk at `pos`, which runs past the end; its name."""
    fourcc = read_at(handle, pos, 4)
    result.chunks.append(Chunk(fourcc, pos + 8, max(0, size - pos - 8)))
    return fourcc.decode("latin-1")


def _past_the_end(handle: BinaryIO, pos: int, size: int, data_size: int, result: RiffScan) -> None:
    """Bytes after the end the RIFF header declares (a writer that appended a chunk without
    updating the size, or a chunk hidden there) are walked as chunks too, within MAX_CHUNKS.
    What is not a whole chunk there is unread: the reading is incomplete (a few NUL bytes of
    padding, too short for a chunk header, aside)."""
    stop = _walk(handle, pos, size, size, data_size, result)
    if stop < 0 or stop >= size:
        return
    if stop + 8 > size and not read_at(handle, stop, 8).strip(b"\x00"):
        return
    if stop + 8 <= size:
        _cut_chunk(handle, stop, size, result)
    result.problems.append(
        limit_reached(
            f"{size - stop:,} bytes from byte {stop:,}, past the end the RIFF header declares, "
            "are not whole chunks: not read"
        )
    )


def chunk_data(handle: BinaryIO, chunk: Chunk) -> tuple[bytes, str]:
    data = read_at(handle, chunk.offset, min(chunk.length, MAX_CHUNK_READ))
    if chunk.length > MAX_CHUNK_READ:
        name = chunk.fourcc.decode("latin-1")
        return data, limit_reached(
            f"{name!r} chunk of {chunk.length:,} bytes: only the first {MAX_CHUNK_READ:,} read"
        )
    return data, ""
