"""File names as reports show them: undecodable bytes (surrogate escapes) as `\\xNN`."""

from __future__ import annotations


def display_name(name: str) -> str:
    """A file name as JSON-safe text: undecodable bytes (surrogate escapes) become `\\xNN`."""
    if name.isascii():
        return name
    out = []
    for ch in name:
        code = ord(ch)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else ch)
    return "".join(out)


def rel_path(parts: tuple[str, ...]) -> str:
    """A path inside the delivery as reports show it: its names displayed, joined by `/`."""
    return "/".join(display_name(p) for p in parts)


# Extensions that make an empty or unrecognised file an asset (an error finding) rather than
# a skipped non-media file. Lower case, without the dot.
MEDIA_EXTENSIONS = frozenset(
    {
        "jpg", "jpeg", "jpe", "jfif", "png", "apng", "tif", "tiff", "dng", "webp", "heic", "heif",
        "hif", "avif", "gif", "jxl", "bmp", "psd", "psb", "exr", "dpx", "cin", "jp2", "j2k", "j2c",
        "jpx", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf", "mp4", "m4v", "m4a", "m4b", "mov",
        "qt", "3gp", "3g2", "avi", "wav", "bwf", "rf64", "mp3", "aac", "flac", "ogg", "oga", "ogv",
        "opus", "aif", "aiff", "aifc", "mkv", "mka", "webm", "mxf", "mts", "m2ts", "ts", "mpg",
        "mpeg", "vob", "wmv", "wma", "asf", "r3d", "braw", "ari",
    }
)  # fmt: skip


def named_like_media(name: str) -> bool:
    """The name ends in an extension media files use (MEDIA_EXTENSIONS)."""
    _, dot, ext = name.rpartition(".")
    return bool(dot) and ext.lower() in MEDIA_EXTENSIONS
