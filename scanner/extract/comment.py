"""File comments: the text of JPEG COM segments, where some generators write their parameters.

Field `COM` (one evidence per distinct comment), value decoded as UTF-8 when valid, else
Latin-1, trailing NULs dropped. Binary comments (mostly not printable) are left out. The
bounded JPEG walk (`formats.jpeg`) reads them up to the first image data; its limits (segment
and comment counts) make the source incomplete.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import is_limit, jpeg
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence

SOURCE = "comment"
FIELD = "COM"


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format != "JPEG":
        return Extracted()
    try:
        scan = jpeg.scan(handle, file_size(handle))
    except OSError as exc:
        return read_failed(SOURCE, exc)
    seen: set[str] = set()
    evidence = []
    for raw in scan.comments:
        text = _text(raw)
        if text and text not in seen:
            seen.add(text)
            evidence.append(Evidence(SOURCE, FIELD, text))
    problems = tuple(as_problem(SOURCE, p) for p in scan.problems if is_limit(p))
    return Extracted(evidence=tuple(evidence), problems=problems)


def _text(raw: bytes) -> str:
    raw = raw.rstrip(b"\x00")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text.strip() if text and printable >= 0.9 * len(text) else ""
