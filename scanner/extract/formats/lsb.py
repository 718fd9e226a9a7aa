"""Stealth metadata in the pixels' least-significant bits: the bit layout and a bounded decoder.

A1111 / reForge "stealth pnginfo", SwarmUI and NovelAI write it; the decoder checks every
length before it reads.

Layout (the `sd_webui_stealth_pnginfo` extension's `add_data`, read back by its reader and by
sd-parsers): a 15-byte ASCII signature, `stealth_` + `png` (the alpha channel carries the bits,
one per pixel) or `rgb` (R, G, B carry them, three per pixel) + `info` (plain UTF-8) or `comp`
(gzip); then the payload length in BITS as a 32-bit big-endian number; then the payload. Every
byte goes most significant bit first, and pixels are taken column by column: down the first
column, then the second.

Bounded: the declared length must fit the image and `MAX_PAYLOAD_BYTES` before a payload bit
is read, and a gzip payload is inflated to at most `MAX_INFLATED_BYTES` (a bomb stops there).
A random match of the 120-bit signature has a chance of about 2^-120.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scanner.extract.formats import limit_reached

SIGNATURES: dict[bytes, tuple[str, bool]] = {
    b"stealth_pnginfo": ("alpha", False),
    b"stealth_pngcomp": ("alpha", True),
    b"stealth_rgbinfo": ("rgb", False),
    b"stealth_rgbcomp": ("rgb", True),
}
SIGNATURE_BYTES = 15
HEADER_BITS = SIGNATURE_BYTES * 8 + 32
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
MAX_INFLATED_BYTES = 16 * 1024 * 1024
MODES = ("rgb", "alpha")  # the order the extension's reader tries them in

Pixels = npt.NDArray[np.uint8]


class LsbError(ValueError):
    """A signature was found but its payload cannot be read (message in plain words; made by
    `limit_reached` when a cap stopped it)."""


@dataclass(frozen=True)
class Header:
    signature: str  # stealth_pnginfo | stealth_pngcomp | stealth_rgbinfo | stealth_rgbcomp
    mode: str  # alpha | rgb
    compressed: bool
    payload_bits: int  # as declared


def header_from_bits(bits: npt.NDArray[np.integer[Any]], mode: str) -> Header | None:
    """The header carried by the first HEADER_BITS bits (0/1 values) of one mode, or None."""
    if bits.size < HEADER_BITS:
        return None
    head = np.packbits(bits[:HEADER_BITS]).tobytes()
    found = SIGNATURES.get(head[:SIGNATURE_BYTES])
    if found is None or found[0] != mode:
        return None
    length = int.from_bytes(head[SIGNATURE_BYTES : SIGNATURE_BYTES + 4], "big")
    return Header(head[:SIGNATURE_BYTES].decode("ascii"), mode, found[1], length)


def channels(pixels: Pixels, mode: str, columns: int | None = None) -> Pixels:
    """The pixel values carrying the bits of `mode`, in the writer's order (column by column;
    R, G, B within a pixel), from the first `columns` columns (all when None)."""
    sub = pixels[:, :columns] if columns is not None else pixels
    chosen = sub[:, :, 3:4] if mode == "alpha" else sub[:, :, :3]
    return np.ascontiguousarray(chosen.transpose(1, 0, 2)).reshape(-1)


def bits_per_pixel(mode: str) -> int:
    return 1 if mode == "alpha" else 3


def find_header(pixels: Pixels) -> Header | None:
    """The header of a stealth payload in an H x W x 3|4 array of 8-bit pixels, or None."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        return None
    height = pixels.shape[0]
    for mode in MODES:
        if mode == "alpha" and pixels.shape[2] != 4:
            continue
        needed = -(-HEADER_BITS // bits_per_pixel(mode))
        columns = -(-needed // height) if height else 0
        header = header_from_bits(channels(pixels, mode, columns) & 1, mode)
        if header is not None:
            return header
    return None


def read_payload(pixels: Pixels, header: Header) -> bytes:
    """The payload `header` announces, inflated when compressed. Raises LsbError."""
    height, width = pixels.shape[:2]
    capacity = height * width * bits_per_pixel(header.mode) - HEADER_BITS
    bits = header.payload_bits
    if bits == 0 or bits % 8 or bits > capacity:
        raise LsbError(
            f"{header.signature}: declared payload of {bits:,} bits does not fit the image "
            f"({max(capacity, 0):,} bits after the header)"
        )
    if bits // 8 > MAX_PAYLOAD_BYTES:
        raise LsbError(
            limit_reached(
                f"{header.signature}: payload of {bits // 8:,} bytes, over the "
                f"{MAX_PAYLOAD_BYTES:,} bytes read"
            )
        )
    needed = -(-(HEADER_BITS + bits) // bits_per_pixel(header.mode))
    columns = min(width, -(-needed // height))
    stream = channels(pixels, header.mode, columns) & 1
    payload = np.packbits(stream[HEADER_BITS : HEADER_BITS + bits]).tobytes()
    return inflate(payload, header) if header.compressed else payload


def inflate(payload: bytes, header: Header) -> bytes:
    engine = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the gzip wrapper
    try:
        out = engine.decompress(payload, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise LsbError(f"{header.signature}: payload is not valid gzip ({exc})") from exc
    if engine.unconsumed_tail:
        raise LsbError(
            limit_reached(
                f"{header.signature}: payload inflates past the {MAX_INFLATED_BYTES:,} bytes read"
            )
        )
    if not engine.eof:
        raise LsbError(f"{header.signature}: gzip payload cut short")
    return out


def png_first_column(data: bytes, width: int, bpp: int, rows: int) -> Pixels | None:
    """Column 0 of the first `rows` rows of a non-interlaced 8-bit PNG, unfiltered, from its
    inflated image data (`rows` x (1 + width x bpp) bytes). Only the first pixel of each row
    is needed: its left neighbours are zero by the PNG filter rules, so Sub is None, Paeth is
    Up and Average adds half the pixel above. None when a filter byte is not one of PNG's."""
    stride = 1 + width * bpp
    if len(data) < rows * stride:
        return None
    out = bytearray(rows * bpp)
    above = [0] * bpp
    for row in range(rows):
        start = row * stride
        kind = data[start]
        raw = data[start + 1 : start + 1 + bpp]
        if kind in (2, 4):  # Up; Paeth with zero left neighbours
            above = [(r + a) & 0xFF for r, a in zip(raw, above, strict=True)]
        elif kind == 3:  # Average
            above = [(r + (a >> 1)) & 0xFF for r, a in zip(raw, above, strict=True)]
        elif kind in (0, 1):  # None; Sub (the left neighbour is zero)
            above = list(raw)
        else:
            return None
        out[row * bpp : (row + 1) * bpp] = bytes(above)
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(rows, 1, bpp)
