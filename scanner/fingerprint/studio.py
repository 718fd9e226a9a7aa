"""Pictures of studio formats (OpenEXR, DPX, Cineon) for perceptual hashes, through OpenImageIO.

OpenImageIO reads only the channels asked for and stayed up on all of the OpenEXR project's
damaged files (the OpenEXR bindings return "success" with no parts on 30 of them). It takes a
path, so it reads the analysis' open descriptor (`descriptor_path`), and finds the format by
the bytes (the path has no extension); the reader it picked must be the format sniffed.

Memory stays flat whatever the frame size: the picture is read in strips of scanlines, or of
rows of tiles for a tiled file (about STRIP_BYTES of float samples each), and each strip is
box-averaged by an integer factor as it arrives, down to at most REDUCED_SIZE on the long side.

Which picture: the first part (subimage) with R, G and B channels; in a multi-view file the
default view (the first name of `multiView`: unprefixed `R,G,B`, else `<view>.R` ...), then
any layer's `x.R, x.G, x.B`, then a single luminance (`Y`) or the first channel as grey.
Only the data window is read (the black around it would be trimmed as bars anyway).

The display transform (scene-linear half/float -> 8-bit display-referred), documented so a
hash means the same thing on every run: Rec.709/sRGB primaries are assumed (no gamut
conversion, so ACES AP0 material hashes with shifted colours), no exposure change, NaN and
negatives to 0, values clamped to [0, 1], then the sRGB transfer function (IEC 61966-2-1):
12.92 x below 0.0031308, else 1.055 x^(1/2.4) - 0.055. It is the inverse of how an sRGB
picture is linearised into an EXR, so a still converted into a plate and back hashes alike;
highlights above 1.0 clip, as in a compositor's default sRGB viewer. Integer formats (DPX,
Cineon: usually log or video code values) are shown as their code values, scaled to 8 bits.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from scanner.fingerprint.picture import SOURCE
from scanner.model import Problem

STRIP_BYTES = 1024 * 1024  # measured on 2K frames: EXR 40 ms at 1 MiB strips, 45 at 4, 56 at 8
CHUNK_LINES = 32
REDUCED_SIZE = 512  # the picture module fits this into its WORK_SIZE with Lanczos
MAX_SUBIMAGES = 64  # parts looked through for an RGB one
READER_NAMES = {"EXR": "openexr", "DPX": "dpx", "CINEON": "cineon"}
FORMATS = frozenset(READER_NAMES)
_configured = False


@dataclass(frozen=True)
class Channels:
    subimage: int
    indices: tuple[int, ...]  # 3 (RGB) or 1 (grey)


def _configure() -> None:
    """One thread per worker (parallelism comes from the workers); no pixel cache."""
    global _configured
    if not _configured:
        import OpenImageIO as oiio

        oiio.attribute("threads", 1)
        oiio.attribute("exr_threads", 1)
        _configured = True


def decode(fmt: str, path: str) -> tuple[Image.Image | None, Problem | None]:
    """The picture of the file at `path` (a descriptor path) as 8-bit RGB, or the reason not."""
    import OpenImageIO as oiio

    _configure()
    image_input = oiio.ImageInput.open(path)
    if image_input is None:
        return None, _fatal(f"cannot decode {fmt}: {_error_of(oiio) or 'unreadable'}")
    try:
        reader = image_input.format_name()
        if reader != READER_NAMES.get(fmt):
            return None, _fatal(f"cannot decode {fmt}: the bytes were read as {reader!r}")
        chosen = _choose(image_input)
        if chosen is None:
            return None, _fatal(f"cannot decode {fmt}: no part with pixels to show")
        pixels, error = _read_reduced(image_input, chosen)
    finally:
        image_input.close()
        _error_of(oiio)  # clear anything left, or OIIO prints it at exit
    if pixels is None:
        return None, _fatal(f"cannot decode {fmt}: {error}")
    rgb = _to_display(pixels, floating=fmt == "EXR")
    return Image.fromarray(rgb, "RGB"), None


def _error_of(source: Any) -> str:
    """OpenImageIO's pending error (which it then clears). Its message may quote bytes of the
    file, which its Python binding decodes as UTF-8 and may fail to: that is an error too."""
    try:
        return str(source.geterror())
    except UnicodeDecodeError:
        return "OpenImageIO reported an error whose message is not text"


def _fatal(message: str) -> Problem:
    return Problem(SOURCE, message[:500], fatal=True)


def view_of(name: str, views: list[str]) -> str:
    """The view a channel belongs to (OpenEXR ImfMultiView rule)."""
    parts = name.split(".")
    if not views:
        return ""
    if len(parts) == 1:
        return views[0]
    return parts[-2] if parts[-2] in views else views[0]


def pick_channels(names: list[str], views: list[str]) -> tuple[int, ...] | None:
    """Indices of the R, G, B channels to show (or one grey channel); None when no channel."""
    prefixes = [""] + ([f"{views[0]}."] if views else [])
    for prefix in prefixes:
        wanted = [prefix + c for c in ("R", "G", "B")]
        if all(w in names for w in wanted):
            return tuple(names.index(w) for w in wanted)
    for name in names:
        if name.endswith(".R"):
            layer = name[:-1]
            wanted = [layer + c for c in ("R", "G", "B")]
            in_view = not views or view_of(name, views) == views[0]
            if in_view and all(w in names for w in wanted):
                return tuple(names.index(w) for w in wanted)
    for grey in ("Y", *(p + "Y" for p in prefixes[1:])):
        if grey in names:
            return (names.index(grey),)
    return (0,) if names else None


def _choose(image_input: object) -> Channels | None:
    first: Channels | None = None
    for subimage in range(MAX_SUBIMAGES):
        if not image_input.seek_subimage(subimage, 0):  # type: ignore[attr-defined]
            break
        spec = image_input.spec()  # type: ignore[attr-defined]
        if spec.deep:
            continue
        views_value = spec.getattribute("multiView")
        views = [str(v) for v in views_value] if isinstance(views_value, (list, tuple)) else []
        picked = pick_channels(list(spec.channelnames), views)
        if picked is None:
            continue
        if len(picked) == 3:
            return Channels(subimage, picked)
        first = first or Channels(subimage, picked)
    return first


def reduction_factor(width: int, height: int) -> int:
    return max(1, math.ceil(max(width, height) / REDUCED_SIZE))


def _read_reduced(image_input: object, chosen: Channels) -> tuple[np.ndarray | None, str]:
    reader = image_input
    if not reader.seek_subimage(chosen.subimage, 0):  # type: ignore[attr-defined]
        return None, _error_of(reader) or "cannot select the part"
    spec = reader.spec()  # type: ignore[attr-defined]
    width, height = int(spec.width), int(spec.height)
    if width <= 0 or height <= 0:
        return None, f"empty data window ({width}x{height})"
    first, last = min(chosen.indices), max(chosen.indices) + 1
    local = [i - first for i in chosen.indices]
    factor = reduction_factor(width, height)
    # Strips of whole blocks and whole EXR chunks (32 scanlines at most per chunk but for
    # DWAB/HTJ2K256), so no chunk is decoded twice.
    tiled = int(spec.tile_width) > 0 and int(spec.tile_height) > 0
    lines = int(spec.tile_height) if tiled else CHUNK_LINES
    unit = factor * lines // math.gcd(factor, lines)
    rows = max(1, STRIP_BYTES // (width * (last - first) * 4))
    rows = max(unit, rows // unit * unit)
    pixel_type = _pixel_type(spec)
    strips: list[np.ndarray] = []
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        if tiled:  # OpenImageIO reads a tiled EXR by tiles only (no scanline emulation)
            strip = reader.read_tiles(  # type: ignore[attr-defined]
                chosen.subimage, 0, spec.x, spec.x + width, spec.y + top, spec.y + bottom,
                spec.z, spec.z + max(1, int(spec.depth)), first, last, pixel_type,
            )  # fmt: skip
        else:
            strip = reader.read_scanlines(  # type: ignore[attr-defined]
                chosen.subimage, 0, spec.y + top, spec.y + bottom, spec.z, first, last, pixel_type
            )
        error = _error_of(reader)
        if strip is None or error:
            return None, error or "pixel data unreadable"
        samples = _as_float(np.asarray(strip)).reshape(bottom - top, width, last - first)
        if local != list(range(len(local))) or len(local) != last - first:
            samples = samples[:, :, local]
        strips.append(_box(samples, factor))
    return np.concatenate(strips, axis=0), ""


def _pixel_type(spec: Any) -> str:
    """The type to read pixels as: the file's own when it is half or 8/16-bit (no conversion
    in the reader: a 2K half ZIP frame reads in 26 ms as half, 46 ms as float, measured),
    float otherwise (and when channels differ in type)."""
    if list(getattr(spec, "channelformats", None) or ()):
        return "float"
    name = str(spec.format)
    return name if name in _SCALE else "float"


# Read type -> what its values are divided by to give OpenImageIO's float values (0..1).
_SCALE = {"half": 1.0, "uint8": 255.0, "uint16": 65535.0}


def _as_float(samples: np.ndarray) -> np.ndarray:
    if samples.dtype == np.float32:
        return samples
    if samples.dtype == np.float16:  # a table of all 65,536 halves: 1.6x numpy's astype
        return np.take(_half_table(), samples.view(np.uint16))
    values = samples.astype(np.float32)
    if samples.dtype == np.uint8:
        values /= np.float32(255.0)
    elif samples.dtype == np.uint16:
        values /= np.float32(65535.0)
    return values


@functools.cache
def _half_table() -> np.ndarray:
    return np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)


def _box(samples: np.ndarray, factor: int) -> np.ndarray:
    """Average factor x factor blocks; a side shorter than a block (the last strip, a sliver
    of a picture) is averaged whole, and the few rows or columns past the last block dropped.
    Summed as strided slices, one axis at a time (6 ms for a 2K frame, against 15 ms for a
    reshaped sum and 40x that for numpy's mean over two axes of a 5-d view)."""
    if factor == 1:
        return samples
    height, width, _channels = samples.shape
    block_h, block_w = min(factor, height), min(factor, width)
    keep_h, keep_w = height // block_h * block_h, width // block_w * block_w
    cut = samples[:keep_h, :keep_w]
    rows = cut[0::block_h].astype(np.float32, copy=True)
    for offset in range(1, block_h):
        rows += cut[offset::block_h]
    summed = rows[:, 0::block_w].copy()
    for offset in range(1, block_w):
        summed += rows[:, offset::block_w]
    result: np.ndarray = summed / np.float32(block_h * block_w)
    return result


def _to_display(pixels: np.ndarray, floating: bool) -> np.ndarray:
    values = np.nan_to_num(pixels, nan=0.0, posinf=1.0, neginf=0.0)
    values = np.clip(values, 0.0, 1.0)
    if floating:
        values = np.where(
            values <= 0.0031308, 12.92 * values, 1.055 * np.power(values, 1 / 2.4) - 0.055
        )
    if values.shape[2] == 1:
        values = np.repeat(values, 3, axis=2)
    return np.ascontiguousarray((values * 255.0 + 0.5).astype(np.uint8))
