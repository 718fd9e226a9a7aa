"""Structural integrity: is the file whole enough that we can trust we saw all its metadata?

The rule, the same for every format: a Problem is fatal (the asset becomes an `error`
finding) when the part of the file where the format keeps metadata is cut short or broken,
because then "no AI signal found" would mean "we could not look". So:
- JPEG: every segment up to the image data (SOS) must be whole, and an end-of-image marker
  must stand in the file's last 1 MiB: a JPEG cut inside its image data is a broken
  deliverable even when its metadata survived (found without decoding, so it holds with
  fingerprints off; trailers some cameras append after EOI stay well inside the window).
- PNG/APNG: IHDR first and every chunk whole up to IEND (text may follow the image data).
- WebP/WAV/AVI: every RIFF chunk whole up to the size the header declares.
- MP4/MOV/M4A/3GP/HEIF/AVIF: every top-level box (and the metadata boxes inside moov)
  whole; metadata boxes may sit anywhere, also after mdat.
- TIFF/DNG: the header and IFD0 readable.
A file the walker kept as UNKNOWN (named like media, bytes match nothing) is fatal too.
Empty and unopenable files are reported by the analysis itself; video/audio streams that
MediaInfo cannot parse by the container extractor. Other formats are not checked here.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import (
    BMFF_FORMATS,
    PNG_FORMATS,
    RIFF_FORMATS,
    TIFF_FORMATS,
    UNKNOWN_FORMAT,
)
from scanner.extract.formats import bmff, jpeg, png, riff, tiff
from scanner.extract.interface import Extracted, ExtractOptions, read_failed
from scanner.model import Problem

SOURCE = "file"
UNRECOGNISED = "unrecognised content: the name says media, the bytes match no known format"
CHECKED_FORMATS = frozenset({"JPEG"}) | PNG_FORMATS | TIFF_FORMATS | RIFF_FORMATS | BMFF_FORMATS


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.size == 0:
        return Extracted()  # the analysis reports empty files
    if media.format == UNKNOWN_FORMAT:
        # The walker keeps such a file only because its name says media (`trailer.mov`).
        return Extracted(problems=(Problem(SOURCE, UNRECOGNISED, True),))
    try:
        broken = check(media.format, handle, file_size(handle))
    except OSError as exc:
        return read_failed(SOURCE, exc)
    return Extracted(problems=(Problem(SOURCE, broken, True),) if broken else ())


def check(fmt: str, handle: BinaryIO, size: int) -> str:
    """Why the file's metadata region is broken, or "" when it is whole (or not checked)."""
    if fmt == "JPEG":
        jpeg_scan = jpeg.scan(handle, size)
        if not jpeg_scan.reached_image_data:
            return _first(jpeg_scan.problems, "no image data")
        return "" if _has_jpeg_end(handle, size) else "truncated: JPEG has no end-of-image marker"
    if fmt in PNG_FORMATS:
        png_scan = png.scan(handle, size)
        if png_scan.chunks and png_scan.chunks[0].ctype != b"IHDR":
            return "corrupt: PNG does not start with IHDR"
        return "" if png_scan.complete else _first(png_scan.problems, "no IEND chunk")
    if fmt in RIFF_FORMATS:
        riff_scan = riff.scan(handle, size)
        return "" if riff_scan.complete else _first(riff_scan.problems, "RIFF structure broken")
    if fmt in BMFF_FORMATS:
        bmff_scan = bmff.scan(handle, size)
        broken = [p for p in bmff_scan.problems if p.startswith(("truncated", "corrupt"))]
        return broken[0] if broken else ""
    if fmt in TIFF_FORMATS:
        tiff_scan = tiff.scan(handle, 0, size, {})
        return "" if tiff_scan.ok else _first(tiff_scan.problems, "IFD0 unreadable")
    return ""


JPEG_TAIL_WINDOW = 1024 * 1024


def _has_jpeg_end(handle: BinaryIO, size: int) -> bool:
    if size >= 2:
        handle.seek(size - 2)
        if handle.read(2) == b"\xff\xd9":  # the usual case: no 1 MiB read
            return True
    start = max(0, size - JPEG_TAIL_WINDOW)
    handle.seek(start)
    return b"\xff\xd9" in handle.read(size - start)


def _first(problems: list[str], default: str) -> str:
    return problems[0] if problems else f"corrupt: {default}"
