"""PNG text extractor: every tEXt, zTXt and iTXt chunk, and ComfyUI's private `comf` chunks.

Field = the chunk's keyword exactly (`parameters`, `prompt`, `workflow`, `Software`, ...),
value = its text, decompressed within caps. Chunks after IDAT count like any other (A1111
and ImageMagick put text there; ComfyUI's APNG writer puts `comf` chunks there). The XMP
packet (`XML:com.adobe.xmp`) and ImageMagick's hex-encoded `Raw profile type ...` chunks are
left to the xmp and exif extractors, which decode them properly.
"""

from __future__ import annotations

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size, open_readonly
from scanner.discover.sniff import PNG_FORMATS
from scanner.extract.formats import png
from scanner.extract.interface import Extracted, ExtractOptions, cap
from scanner.model import Evidence, Problem

SOURCE = "png-text"
MAX_TEXTS = 500
LEFT_TO_OTHERS = (b"XML:com.adobe.xmp", b"Raw profile type ")


def extract(media: MediaFile, options: ExtractOptions) -> Extracted:
    if media.format not in PNG_FORMATS:
        return Extracted()
    try:
        with open_readonly(media.path) as handle:
            scan = png.scan(handle, file_size(handle))
            texts, problems = png.read_texts(handle, scan, skip_prefixes=LEFT_TO_OTHERS)
    except OSError as exc:
        return Extracted(problems=(Problem(SOURCE, f"cannot read: {exc.strerror or exc}"),))
    evidence = [Evidence(SOURCE, text.keyword, cap(text.text)) for text in texts]
    if len(evidence) > MAX_TEXTS:
        problems.append(f"{len(evidence)} text chunks: only the first {MAX_TEXTS} kept")
        evidence = evidence[:MAX_TEXTS]
    return Extracted(evidence=tuple(evidence), problems=tuple(Problem(SOURCE, p) for p in problems))
