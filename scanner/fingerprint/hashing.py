"""A media file -> perceptual hashes of its picture(s) + a report thumbnail, from one decode.

Stills: Pillow, decoding no more than needed (JPEG `draft` decodes at 1/2..1/8 scale in the
DCT domain); HEIC/HEIF through pillow_heif; `Image.MAX_IMAGE_PIXELS` is checked from the
header before any pixel is decoded. EXR, DPX and Cineon: OpenImageIO (`studio.py`).
Video: `video.py`. Audio and anything else: nothing.
Never raises for what a file contains: what went wrong becomes a `Problem`.
"""

from __future__ import annotations

import contextlib
import math
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import descriptor_path
from scanner.fingerprint import picture, studio
from scanner.fingerprint.picture import SOURCE, pixel_bound_problem
from scanner.model import FrameHash, Problem

# HEIC/HEIF decode; AVIF is native in Pillow >= 11.3. pillow_heif is a declared dependency;
# stills still hash without it.
with contextlib.suppress(ImportError):
    import pillow_heif

    pillow_heif.register_heif_opener()

# EXIF Orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Our format names that Pillow knows by another (so "cannot identify" is fatal for them too).
PILLOW_NAMES = {"JP2": "JPEG2000", "J2K": "JPEG2000", "APNG": "PNG"}

# What a broken image file makes Pillow raise (RuntimeError: the AVIF and HEIF decoders).
# Not MemoryError: it must reach the worker, which names the memory bound (issue 7).
_DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    RuntimeError,
    struct.error,
    zlib.error,
)


@dataclass(frozen=True)
class FingerprintResult:
    frames: tuple[FrameHash, ...] = ()
    thumbnail: str = ""  # data:image/jpeg;base64,... or ""
    problems: tuple[Problem, ...] = ()


def fingerprint_media(media: MediaFile, handle: BinaryIO) -> FingerprintResult:
    """Perceptual hashes and thumbnail of one image or video file (read from the open file
    `handle`, never the path); audio and other kinds give nothing."""
    if media.kind == "image":
        return fingerprint_still(media, handle)
    if media.kind == "video":
        from scanner.fingerprint.video import sample_video

        sampled = sample_video(handle)
        thumbnail = picture.thumbnail_uri(sampled.poster) if sampled.poster else ""
        problems = sampled.problems
        if media.format == "MXF":
            problems = tuple(_essence_not_decoded(p) for p in problems)
        return FingerprintResult(sampled.frames, thumbnail, problems)
    return FingerprintResult()


def _essence_not_decoded(problem: Problem) -> Problem:
    """An MXF whose essence no decoder reads (ACES, IMF App 5) is not an error: its metadata
    was read by the readers; the report says its frames could not be decoded (issue 15)."""
    if not problem.fatal:
        return problem
    message = f"the essence frames could not be decoded, so no fingerprint: {problem.message}"
    return Problem(SOURCE, message[:500])


def fingerprint_still(media: MediaFile, handle: BinaryIO) -> FingerprintResult:
    work, problem = decode_still(media, handle)
    if work is None:
        return FingerprintResult(problems=(problem,) if problem else ())
    frame = picture.hash_picture(work, tiles=True)
    problems: tuple[Problem, ...] = ()
    if frame is None:
        problems = (Problem(SOURCE, "picture too small or too flat for a perceptual hash"),)
    return FingerprintResult(
        frames=(frame,) if frame else (),
        thumbnail=picture.thumbnail_uri(work),
        problems=problems,
    )


def decode_still(media: MediaFile, handle: BinaryIO) -> tuple[Image.Image | None, Problem | None]:
    """The first frame of a still, upright, RGB, fitted in WORK_SIZE; or the reason it is not."""
    if media.format in studio.FORMATS:
        try:
            picture_read, problem = studio.decode(media.format, descriptor_path(handle))
            return (picture.fit(picture_read) if picture_read else None), problem
        except OSError as exc:
            return None, Problem(SOURCE, f"cannot decode image: {exc}", fatal=True)
    try:
        handle.seek(0)
        with warnings.catch_warnings():
            # We check the bound ourselves, before decoding, and say so in a Problem.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(handle)
            over = pixel_bound_problem(*image.size)
            if over is not None:
                return None, over
            _draft(image)
            work = picture.fit(picture.to_rgb(image))
            work.load()  # a small RGB file comes back as the lazy original: decode while open
            # Only now: reading a PNG's EXIF decodes the pixels, and _orientation swallows
            # errors, so before the decode a corrupt PNG came out as a blank, "clean" picture.
            orientation = _orientation(image)
    except Image.DecompressionBombError as exc:
        bound = Image.MAX_IMAGE_PIXELS
        message = f"over the bound of {bound} pixels (PIL.Image.MAX_IMAGE_PIXELS): {exc}"
        return None, Problem(SOURCE, message, fatal=True)
    except UnidentifiedImageError:
        return None, _unidentified(media)
    except _DECODE_ERRORS as exc:
        message = f"cannot decode image: {type(exc).__name__}: {exc}"
        return None, Problem(SOURCE, message[:500], fatal=True)
    if orientation in _ORIENTATION:
        work = work.transpose(_ORIENTATION[orientation])
    return work, None


def _draft(image: Image.Image) -> None:
    """Ask the JPEG decoder for the smallest DCT scale still at least WORK_SIZE on its long side,
    the JPEG 2000 decoder for the smallest resolution level (`reduce`: 2048 px wide at 254 ms
    whole, 27 ms at a quarter)."""
    width, height = image.size
    if image.format == "JPEG2000":
        levels = int(math.log2(max(width, height, 1) / picture.WORK_SIZE)) if width else 0
        image.reduce = max(0, levels)  # type: ignore[assignment,method-assign]
        image.load()  # the size becomes the reduced one only once decoded
        return
    if image.format != "JPEG":
        return
    scale = picture.WORK_SIZE / max(width, height, 1)
    if scale < 1:
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except _DECODE_ERRORS:  # a broken EXIF block must not lose the picture
        return 1
    return value if isinstance(value, int) else 1


def _unidentified(media: MediaFile) -> Problem:
    """Pillow has no decoder for it: fatal for a format it should read, a note otherwise."""
    readable = {f.upper() for f in Image.registered_extensions().values()}
    name = PILLOW_NAMES.get(media.format, media.format).upper()
    if name in readable | {"JPG", "HEIC", "HEIF", "AVIF"}:
        return Problem(SOURCE, f"cannot decode image: not a valid {media.format} file", True)
    return Problem(SOURCE, f"no perceptual hash: no decoder for {media.format or 'this format'}")
