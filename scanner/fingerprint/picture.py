"""One decoded picture (a still or a video frame) -> perceptual hashes and a thumbnail.

Every picture goes through the same normalisation before hashing, so a 4K original, its 50%
re-export and a decoded H.264 frame of it land on comparable pixels:
RGB (alpha flattened on black) -> fit in WORK_SIZE -> dark letterbox/pillarbox bars trimmed
-> pHash + dHash (64 bits each, imagehash). Pictures with almost no contrast (black frames,
1x1 stubs) get no hash: they would "match" every other blank picture.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from scanner.fingerprint import thresholds
from scanner.model import FrameHash, Problem

WORK_SIZE = 256  # longest side the hashes are computed from (pHash itself looks at 32x32)
THUMB_SIZE = 160  # longest side of the report thumbnail
THUMB_QUALITY = 70

# A row/column is a letterbox bar when it is dark and flat. Trimming never leaves less than
# MIN_KEEP of a side: below that the "bars" are the picture (a night scene).
BAR_MAX_MEAN = 20.0
BAR_MAX_STD = 6.0
MIN_KEEP = 0.25

_RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 2.0
SOURCE = "fingerprint"  # Problem.source of everything this package reports


def pixel_bound_problem(width: int, height: int) -> Problem | None:
    """A fatal Problem when width x height is over Pillow's decompression-bomb bound."""
    bound = Image.MAX_IMAGE_PIXELS
    if bound and width * height > bound:
        return Problem(
            SOURCE,
            f"picture is {width}x{height} = {width * height} pixels, over the bound of "
            f"{bound} pixels (PIL.Image.MAX_IMAGE_PIXELS): not decoded",
            fatal=True,
        )
    return None


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB. Alpha is flattened on black, as an editor's canvas would."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return Image.fromarray(_scale_to_8bit(np.asarray(image)), "L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def _scale_to_8bit(values: np.ndarray) -> np.ndarray:
    """16/32-bit integer or float samples -> 0..255 (integers by their range, floats min-max)."""
    if values.size == 0:
        return np.zeros(values.shape, np.uint8)
    if values.dtype.kind in "iu":
        high = int(values.max())
        divisor = 1 if high <= 255 else 257 if high <= 65535 else max(high / 255, 1)
        return np.clip(values / divisor, 0, 255).astype(np.uint8)
    values = np.nan_to_num(values.astype(np.float64))
    low, span = float(values.min()), float(np.ptp(values)) or 1.0
    return np.clip((values - low) * (255.0 / span), 0, 255).astype(np.uint8)


def fit(image: Image.Image, size: int = WORK_SIZE) -> Image.Image:
    """Shrink (never enlarge) so the longest side is at most `size`.

    Box-reduce by an integer factor first, then Lanczos over the last factor of 2 or more
    (Pillow's `reducing_gap`): half the cost of a gap of 3 on a 1080p picture (4.0 vs 8.3 ms),
    and the thresholds were re-measured with it (docs/fingerprints.md).
    """
    width, height = image.size
    longest = max(width, height)
    if longest <= size:
        return image
    scale = size / longest
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(target, _RESAMPLE, reducing_gap=REDUCING_GAP)


def trim_bars(image: Image.Image) -> Image.Image:
    """Cut dark, flat bars off the edges (letterbox, pillarbox, windowbox)."""
    luma = np.asarray(image.convert("L"), dtype=np.float32)
    height, width = luma.shape
    top, bottom = _bar_run(luma, height)
    left, right = _bar_run(luma.T, width)
    if (top, bottom, left, right) == (0, 0, 0, 0):
        return image
    return image.crop((left, top, width - right, height - bottom))


def _bar_run(luma: np.ndarray, length: int) -> tuple[int, int]:
    """How many leading and trailing rows of `luma` are bars (0, 0 when trimming would gut it)."""
    is_bar = (luma.mean(axis=1) <= BAR_MAX_MEAN) & (luma.std(axis=1) <= BAR_MAX_STD)
    lead = int(np.argmin(is_bar)) if not is_bar.all() else length
    trail = int(np.argmin(is_bar[::-1])) if not is_bar.all() else length
    if length - lead - trail < MIN_KEEP * length:
        return 0, 0
    return lead, trail


def is_flat(image: Image.Image) -> bool:
    """Too little contrast to identify: blank frames, fades, tiny stubs."""
    luma = np.asarray(image.convert("L"), dtype=np.float32)
    return min(image.size) < thresholds.MIN_SIDE or float(luma.std()) < thresholds.FLAT_STD


def hash_picture(
    work: Image.Image, timecode: float = 0.0, keyframe: bool = False, tiles: bool = False
) -> FrameHash | None:
    """Hashes of a normalised RGB picture (output of `fit`), or None when it is flat.

    `tiles` adds the 4x4 tile pHashes (stills: they locate a change, see archive.py).
    """
    grey = trim_bars(work).convert("L")
    if is_flat(grey):
        return None
    import imagehash  # here, not at the top: the scanning process itself never hashes (startup)

    return FrameHash(
        timecode=round(timecode, 3),
        phash=str(imagehash.phash(grey)),
        dhash=str(imagehash.dhash(grey)),
        keyframe=keyframe,
        tiles=tile_hashes(grey) if tiles else "",
    )


TILE_GRID = 4
FLAT_TILE = "-" * 16


def tile_hashes(grey: Image.Image) -> str:
    """pHash of each cell of a TILE_GRID x TILE_GRID grid, row by row, concatenated.

    The same pHash as imagehash's (32x32 DCT, 8x8 lowest frequencies against their median),
    computed for all cells at once from one resize: 16 imagehash calls cost 10x more.
    """
    import scipy.fft  # see hash_picture

    cell = 32
    side = cell * TILE_GRID
    pixels = np.asarray(grey.resize((side, side), _RESAMPLE), dtype=np.float64)
    grid = pixels.reshape(TILE_GRID, cell, TILE_GRID, cell).swapaxes(1, 2)
    cells = grid.reshape(TILE_GRID * TILE_GRID, cell, cell)
    low = scipy.fft.dct(scipy.fft.dct(cells, axis=1), axis=2)[:, :8, :8].reshape(len(cells), 64)
    bits = low > np.median(low, axis=1, keepdims=True)
    flat = cells.std(axis=(1, 2)) < thresholds.FLAT_STD
    packed = np.packbits(bits, axis=1)
    return "".join(
        FLAT_TILE if is_flat_cell else row.tobytes().hex()
        for is_flat_cell, row in zip(flat, packed, strict=True)
    )


def split_tiles(tiles: str) -> list[int | None]:
    """`tile_hashes` text -> one int per tile (None for a flat tile); [] when malformed."""
    if len(tiles) != 16 * TILE_GRID * TILE_GRID:
        return []
    out: list[int | None] = []
    for i in range(0, len(tiles), 16):
        part = tiles[i : i + 16]
        if part == FLAT_TILE:
            out.append(None)
        elif all(c in "0123456789abcdefABCDEF" for c in part):
            out.append(int(part, 16))
        else:
            return []
    return out


def thumbnail_uri(work: Image.Image) -> str:
    """A small JPEG data: URI of the picture as delivered (bars kept)."""
    thumb = work.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), _RESAMPLE)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
