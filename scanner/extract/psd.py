"""Photoshop PSD/PSB extractor: layer names and kinds, IPTC text, version info, resources.

The image resources present are listed. The XMP packet (resource 1060: document ancestors,
history, CreatorTool, digital source type) is read by the xmp extractor.

Fields (source `psd`): `layer[N].name` and `layer[N].kind` (N in Photoshop's record order,
bottom layer first, group starts and ends included), `iptc.<dataset>` (caption, byline,
copyright, originating_program, credit, source, keywords ...), `version_info.writer` and
`.reader`, `url`, `image_resources` (the resource ids, comma separated).

No Photoshop generative-fill marker of its own is confirmed inside a PSD: the catalog's layer
name rule is a weak hint (markers.md "Photoshop Generative Fill / Expand"). Integrity
(fatal): sections running past the file's end, or layer records that do not parse. Incomplete
(not-inspected): IPTC bytes that are not IIM datasets.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import psd
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "psd"
FORMATS = frozenset({"PSD"})


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        found = psd.scan(handle, file_size(handle))
    except OSError as exc:
        return read_failed(SOURCE, exc)
    problems = [as_problem(SOURCE, p) for p in found.problems]
    if found.broken:
        problems.append(Problem(SOURCE, found.broken, fatal=True))
    evidence = []
    for index, layer in enumerate(found.layers):
        evidence.append(Evidence(SOURCE, f"layer[{index}].name", layer.name))
        evidence.append(Evidence(SOURCE, f"layer[{index}].kind", layer.kind))
    evidence += [Evidence(SOURCE, name, text) for name, text in found.texts]
    if found.resource_ids:
        ids = ", ".join(str(i) for i in found.resource_ids)
        evidence.append(Evidence(SOURCE, "image_resources", ids))
    return Extracted(evidence=tuple(evidence), problems=tuple(problems))
