"""JPEG 2000 extractor: codestream comments, JPX labels, non-XMP `xml ` and `uuid` boxes.

Other `uuid` boxes give their text (all of it when it is text, else its printable runs; their
size when they hold none). The XMP packet (`uuid` box with Adobe's XMP UUID, or an `xml ` box
holding one anywhere in it) is read by the xmp extractor.

Fields (source `jp2`): `comment`, `label`, `xml`, `uuid[<hex>]`. Integrity (fatal): a box
running past its end or the file's, no codestream box, a codestream that does not start with
SOC or has no end-of-codestream marker.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import jp2
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "jp2"
FORMATS = frozenset({"JP2", "J2K"})


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        found = jp2.scan(handle, file_size(handle), bare_codestream=media.format == "J2K")
    except OSError as exc:
        return read_failed(SOURCE, exc)
    problems = [as_problem(SOURCE, p) for p in found.problems]
    if found.broken:
        problems.append(Problem(SOURCE, found.broken, fatal=True))
    evidence = tuple(Evidence(SOURCE, name, text) for name, text in found.texts)
    return Extracted(evidence=evidence, problems=tuple(problems))
