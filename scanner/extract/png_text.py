"""PNG text extractor: every tEXt, zTXt and iTXt chunk, and ComfyUI's private `comf` chunks.

Field = the chunk's keyword exactly (`parameters`, `prompt`, `workflow`, `Software`, ...),
value = its text, decompressed within caps. Chunks after IDAT count like any other (A1111
and ImageMagick put text there; ComfyUI's APNG writer puts `comf` chunks there). The XMP
packet (`XML:com.adobe.xmp`) and ImageMagick's hex-encoded `Raw profile type ...` chunks are
left to the xmp and exif extractors, which decode them properly.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.discover.sniff import PNG_FORMATS
from scanner.extract.formats import png
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence

SOURCE = "png-text"
LEFT_TO_OTHERS = (b"XML:com.adobe.xmp", b"Raw profile type ")


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in PNG_FORMATS:
        return Extracted()
    try:
        scan = png.scan(handle, file_size(handle))
        texts, problems = png.read_texts(handle, scan, skip_prefixes=LEFT_TO_OTHERS)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    evidence = [Evidence(SOURCE, text.keyword, text.text) for text in texts]
    return Extracted(
        evidence=tuple(evidence), problems=tuple(as_problem(SOURCE, p) for p in problems)
    )
