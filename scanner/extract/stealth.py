"""Stealth metadata reader: generation parameters hidden in the pixels' least-significant bits.

A1111 / reForge ("stealth pnginfo"), SwarmUI and NovelAI can write their parameters into the
LSBs of the alpha channel or of R, G, B (layout: `formats.lsb`). Only lossless pixels keep
them: 8-bit RGB or RGBA PNG, and WebP whose pixels or alpha are lossless. Field = the signature
(`stealth_pngcomp`, ...), value = the payload as text.

Kept off the hot path: a PNG is not decoded to look. The signature sits in the first pixels of
the first column, and the first pixel of a PNG row can be unfiltered without the rest of the
row (its left neighbours are zero), so the reader inflates only the first 152 rows of image
data and looks at one pixel per row; the whole image is decoded only when the signature is
there. PNGs shorter than that, interlaced PNGs and lossless or alpha WebPs are decoded whole
(with the pixel bound below); lossy WebP without alpha, palette, grey and 16-bit images cannot
hold the layout and are not decoded. `bench/stealth_cost.py` measures both paths.

Fail closed: a signature whose payload cannot be read (over the size caps, over the pixel
bound) is an incomplete Problem; a payload that is malformed is a plain Problem shown beside
the evidence that the signature was there.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from typing import BinaryIO

import numpy as np
from PIL import Image

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import PNG_FORMATS
from scanner.extract.formats import is_limit, limit_reached, png, riff
from scanner.extract.formats.binio import read_at
from scanner.extract.formats.lsb import (
    HEADER_BITS,
    Header,
    LsbError,
    Pixels,
    find_header,
    header_from_bits,
    png_first_column,
    read_payload,
)
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "stealth"
MAX_DECODE_PIXELS = 100_000_000  # whole decodes (a signature found, or no way to probe)
MAX_PROBE_BYTES = 64 * 1024 * 1024  # inflated image data read to probe a PNG's first column
READ_PIECE = 256 * 1024
_PNG_BPP = {2: 3, 6: 4}  # colour type -> bytes per pixel at bit depth 8 (RGB, RGBA)
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error)


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    try:
        if media.format in PNG_FORMATS:
            return _png(handle)
        if media.format == "WEBP" and _webp_may_hold(handle):
            return _decoded(handle)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    return Extracted()


def _png(handle: BinaryIO) -> Extracted:
    ihdr = read_at(handle, 8, 25)
    if len(ihdr) < 25 or ihdr[4:8] != b"IHDR":
        return Extracted()  # the integrity check reports a PNG without IHDR
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr[8:21])
    bpp = _PNG_BPP.get(colour)
    if depth != 8 or bpp is None or not width or not height:
        return Extracted()  # palette, grey, 16-bit: the layout is written on 8-bit RGB(A)
    # the header's bits: one per row in alpha (RGBA only), three per row in R, G, B
    rows = HEADER_BITS if bpp == 4 else -(-HEADER_BITS // 3)
    if interlace or height < rows:
        return _decoded(handle)
    stride = 1 + width * bpp
    if stride * rows > MAX_PROBE_BYTES:
        why = f"rows of {stride:,} bytes: over the {MAX_PROBE_BYTES:,} bytes inflated to probe"
        return Extracted(problems=(_limit(why),))
    data, problem = _image_data_prefix(handle, stride * rows)
    if problem:
        return Extracted(problems=(Problem(SOURCE, problem),))
    column = png_first_column(data, width, bpp, rows)
    if column is None or not _column_has_header(column):
        return Extracted()
    return _decoded(handle)


def _column_has_header(column: Pixels) -> bool:
    """Does the first column (rows x 1 x bpp) start with a stealth signature of either mode?"""
    rgb = column[:, 0, :3].reshape(-1) & 1
    if header_from_bits(rgb, "rgb") is not None:
        return True
    alpha = column[:, 0, 3] & 1 if column.shape[2] == 4 else rgb[:0]
    return header_from_bits(alpha, "alpha") is not None


def _image_data_prefix(handle: BinaryIO, wanted: int) -> tuple[bytes, str]:
    """The first `wanted` bytes of the PNG's inflated image data (IDAT chunks in a row)."""
    scan = png.scan(handle, file_size(handle))
    if scan.first_image_offset < 0:
        return b"", ""
    engine = zlib.decompressobj()
    out = bytearray()
    pos = scan.first_image_offset - 8
    while len(out) < wanted:
        header = read_at(handle, pos, 8)
        if len(header) < 8 or header[4:8] != b"IDAT":
            break
        length = int.from_bytes(header[:4], "big")
        done = 0
        while done < length and len(out) < wanted:
            piece = read_at(handle, pos + 8 + done, min(READ_PIECE, length - done))
            if not piece:
                break
            done += len(piece)
            try:
                out += engine.decompress(engine.unconsumed_tail + piece, wanted - len(out))
            except zlib.error as exc:
                return b"", f"stealth metadata not checked: image data does not inflate ({exc})"
        pos += 12 + length
    return bytes(out), ""


def _webp_may_hold(handle: BinaryIO) -> bool:
    """Lossless pixels (VP8L) or a separate alpha plane (ALPH, lossless by default)."""
    scan = riff.scan(handle, file_size(handle))
    return any(chunk.fourcc in (b"VP8L", b"ALPH") for chunk in scan.chunks)


def _decoded(handle: BinaryIO) -> Extracted:
    """Decode the whole picture (8-bit RGB/RGBA only) and read a payload if one is there."""
    handle.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                if image.mode not in ("RGB", "RGBA"):
                    return Extracted()
                count = image.size[0] * image.size[1]
                if count > MAX_DECODE_PIXELS:
                    why = f"{count:,} pixels, over the {MAX_DECODE_PIXELS:,} decoded to look for it"
                    return Extracted(problems=(_limit(why),))
                pixels = np.asarray(image.convert(image.mode), dtype=np.uint8)
    except Image.DecompressionBombError:
        return Extracted()  # the fingerprint reader reports the bound it shares with Pillow
    except _DECODE_ERRORS:
        return Extracted()  # a broken picture: the integrity and fingerprint readers say so
    header = find_header(pixels)
    return _payload(pixels, header) if header else Extracted()


def _payload(pixels: Pixels, header: Header) -> Extracted:
    try:
        payload = read_payload(pixels, header)
    except LsbError as exc:
        message = str(exc)
        problem = as_problem(SOURCE, message) if is_limit(message) else Problem(SOURCE, message)
        found = Evidence(SOURCE, header.signature, f"(signature found; payload unreadable: {exc})")
        return Extracted(evidence=(found,), problems=(problem,))
    text = payload.decode("utf-8", errors="replace").rstrip("\x00")
    return Extracted(evidence=(Evidence(SOURCE, header.signature, text),))


def _limit(message: str) -> Problem:
    return Problem(SOURCE, limit_reached(f"stealth metadata: {message}"), incomplete=True)
