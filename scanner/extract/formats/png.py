"""PNG chunks: where they are, and the text chunks decoded (with capped decompression).

Text can sit anywhere, also after IDAT (readers that stop at the first IDAT miss it), so the
walk goes to IEND, seeking over image data without reading it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from scanner.extract.formats import limit_reached
from scanner.extract.formats.binio import read_at

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNKS = 100_000  # chunk records kept (IDAT/fdAT are counted, not kept)
MAX_CHUNK_READ = 8 * 1024 * 1024  # bytes read from one chunk's data
MAX_INFLATE = 8 * 1024 * 1024  # decompressed bytes from one chunk
MAX_INFLATE_TOTAL = 32 * 1024 * 1024  # decompressed bytes from one file
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt", b"comf")


@dataclass(frozen=True)
class Chunk:
    ctype: bytes
    offset: int  # where the chunk's data starts
    length: int


@dataclass
class PngScan:
    chunks: list[Chunk] = field(default_factory=list)  # every chunk but IDAT/fdAT
    image_chunks: int = 0
    first_image_offset: int = -1  # where the first IDAT's data starts, -1 when none
    complete: bool = False  # IEND reached inside the file
    problems: list[str] = field(default_factory=list)

    def of_type(self, *ctypes: bytes) -> list[Chunk]:
        return [c for c in self.chunks if c.ctype in ctypes]


@dataclass(frozen=True)
class PngText:
    keyword: str
    text: str
    chunk: str  # tEXt | zTXt | iTXt | comf
    position: str  # "before IDAT" | "after IDAT"


def scan(handle: BinaryIO, size: int) -> PngScan:
    """Walk every chunk header from the signature to IEND."""
    result = PngScan()
    if read_at(handle, 0, 8) != SIGNATURE:
        result.problems.append("not a PNG signature")
        return result
    pos = 8
    while True:
        header = read_at(handle, pos, 8)
        if len(header) < 8:
            result.problems.append(f"truncated: no IEND chunk (file ends at byte {size})")
            return result
        length = int.from_bytes(header[:4], "big")
        ctype = header[4:8]
        if length > 0x7FFFFFFF or not ctype.isalpha():
            result.problems.append(f"corrupt chunk header at byte {pos}")
            return result
        end = pos + 12 + length
        if end > size:
            name = ctype.decode("latin-1")
            result.problems.append(f"truncated: chunk {name} at byte {pos} runs past the end")
            return result
        if ctype in (b"IDAT", b"fdAT"):
            if result.first_image_offset < 0:
                result.first_image_offset = pos + 8
            result.image_chunks += 1
        elif len(result.chunks) < MAX_CHUNKS:
            result.chunks.append(Chunk(ctype, pos + 8, length))
        else:
            result.problems.append(
                limit_reached(f"more than {MAX_CHUNKS:,} chunks: the rest were not read")
            )
            return result
        if ctype == b"IEND":
            result.complete = True
            return result
        pos = end


def keyword_of(handle: BinaryIO, chunk: Chunk) -> bytes:
    """The keyword of a text chunk, read without reading the rest of the chunk."""
    return read_at(handle, chunk.offset, min(80, chunk.length)).partition(b"\x00")[0]


def chunk_data(handle: BinaryIO, chunk: Chunk) -> tuple[bytes, str]:
    """The chunk's data, capped; the second item says when it was cut."""
    data = read_at(handle, chunk.offset, min(chunk.length, MAX_CHUNK_READ))
    if chunk.length > MAX_CHUNK_READ:
        name = chunk.ctype.decode("latin-1")
        return data, limit_reached(
            f"{name} chunk of {chunk.length:,} bytes: only the first {MAX_CHUNK_READ:,} read"
        )
    return data, ""


class Inflater:
    """zlib decompression with a per-chunk and a per-file cap (a bomb stops at the cap)."""

    def __init__(self, total: int = MAX_INFLATE_TOTAL) -> None:
        self.total = total
        self.left = total

    def inflate(self, data: bytes, what: str) -> tuple[bytes, str]:
        limit = min(MAX_INFLATE, self.left)
        if limit <= 0:
            return b"", limit_reached(
                f"{what}: not decompressed, the file's {self.total:,}-byte decompression budget "
                "is spent"
            )
        engine = zlib.decompressobj()
        try:
            out = engine.decompress(data, limit)
        except zlib.error as exc:
            return b"", f"{what}: bad compressed data ({exc})"
        self.left -= len(out)
        if engine.unconsumed_tail:
            return out, limit_reached(
                f"{what}: decompresses to more than {limit:,} bytes, cut there"
            )
        if not engine.eof:
            return out, f"{what}: compressed data is truncated"
        return out, ""


def read_texts(
    handle: BinaryIO,
    scan_result: PngScan,
    inflater: Inflater | None = None,
    skip_prefixes: tuple[bytes, ...] = (),
) -> tuple[list[PngText], list[str]]:
    """Every tEXt/zTXt/iTXt and ComfyUI `comf` chunk, decoded, in file order.

    Chunks whose keyword starts with one of `skip_prefixes` are not read at all.
    """
    inflater = inflater or Inflater()
    texts: list[PngText] = []
    problems: list[str] = []
    for chunk in scan_result.of_type(*TEXT_CHUNKS):
        if skip_prefixes and keyword_of(handle, chunk).startswith(skip_prefixes):
            continue
        data, cut = chunk_data(handle, chunk)
        if cut:
            problems.append(cut)
        found, problem = text_chunk_payload(chunk.ctype, data, inflater)
        if problem:
            problems.append(problem)
        if found is None:
            continue
        keyword, payload = found
        # tEXt/zTXt are Latin-1 by the spec; iTXt is UTF-8; comf holds ASCII JSON.
        encoding = "utf-8" if chunk.ctype == b"iTXt" else "latin-1"
        after = 0 <= scan_result.first_image_offset < chunk.offset
        texts.append(
            PngText(
                keyword,
                payload.decode(encoding, errors="replace"),
                chunk.ctype.decode("latin-1"),
                "after IDAT" if after else "before IDAT",
            )
        )
    return texts, problems


def text_chunk_payload(
    ctype: bytes, data: bytes, inflater: Inflater
) -> tuple[tuple[str, bytes] | None, str]:
    """(keyword, text bytes) of one text chunk (decompressed), or None; plus a problem or ""."""
    name = ctype.decode("latin-1")
    keyword_raw, sep, rest = data.partition(b"\x00")
    if not sep or not 1 <= len(keyword_raw) <= 79:
        return None, f"{name} chunk without a valid keyword"
    keyword = keyword_raw.decode("latin-1")
    if ctype in (b"tEXt", b"comf"):
        return (keyword, rest), ""
    if ctype == b"zTXt":
        if not rest or rest[0] != 0:
            return None, f"zTXt {keyword!r}: unknown compression method"
        text, problem = inflater.inflate(rest[1:], f"zTXt {keyword!r}")
        return ((keyword, text) if text or not problem else None), problem
    # iTXt: flag, method, language\0, translated keyword\0, text (UTF-8)
    if len(rest) < 2:
        return None, f"iTXt {keyword!r}: truncated header"
    compressed, method = rest[0], rest[1]
    _language, sep1, rest = rest[2:].partition(b"\x00")
    _translated, sep2, payload = rest.partition(b"\x00")
    if not (sep1 and sep2):
        return None, f"iTXt {keyword!r}: truncated header"
    problem = ""
    if compressed:
        if method != 0:
            return None, f"iTXt {keyword!r}: unknown compression method"
        payload, problem = inflater.inflate(payload, f"iTXt {keyword!r}")
        if problem and not payload:
            return None, problem
    return (keyword, payload), problem


def raw_profile(payload: bytes, limit: int = MAX_INFLATE) -> bytes | None:
    """Decode ImageMagick's `Raw profile type NAME` text: "\\nNAME\\n  LENGTH\\nHEX...".

    ImageMagick stores EXIF, XMP and IPTC this way in PNG text chunks.
    """
    lines = payload.lstrip(b"\n").split(b"\n", 2)
    if len(lines) < 3 or not lines[1].strip().isdigit():
        return None
    length = min(int(lines[1].strip()), limit)
    digits = bytes(c for c in lines[2][: 3 * length + 64] if c not in b" \t\r\n")
    try:
        return bytes.fromhex(digits[: 2 * length].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None
