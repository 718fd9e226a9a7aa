"""MXF extractor: every Identification set, package names, DM text, ACES frames' EXR header.

An Identification set is appended by each tool that wrote or re-wrapped the file.

Fields (source `mxf`): `identification[N].company_name`, `.product_name`, `.version_string`,
`.product_version`, `.toolkit_version`, `.platform`, `.modification_date`, `.product_uid`,
`.generation_uid` (N from 0 in file order: 0 made the file, the last re-wrapped it last);
`package[N].name`; `descriptive/<item UL>` for descriptive metadata text. MediaInfo's own
reading (the `container` source) stays: it shows only the last Identification set.

ACES (IMF App 5) track files wrap one OpenEXR per frame, which FFmpeg cannot demux; the first
frame's header is read with the EXR reader, its attributes as `exr` evidence named
`essence/<attribute>` (an `owner` or a generator prompt can hide there).
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.exr import header_evidence
from scanner.extract.formats import exr, mxf
from scanner.extract.formats.binio import read_at
from scanner.extract.formats.window import Window
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "mxf"
FORMATS = frozenset({"MXF"})


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        size = file_size(handle)
        found = mxf.scan(handle, size)
        evidence = _evidence(found)
        problems = [_problem(p) for p in found.problems]
        if found.essence_offset >= 0:
            evidence += _essence_exr(handle, found, problems)
    except OSError as exc:
        return read_failed(SOURCE, exc)
    return Extracted(evidence=tuple(evidence), problems=tuple(problems))


def _problem(message: str) -> Problem:
    if message.startswith(("truncated", "corrupt")):
        return Problem(SOURCE, message, fatal=True)
    return as_problem(SOURCE, message)


def _evidence(found: mxf.MxfScan) -> list[Evidence]:
    out = []
    for index, items in enumerate(found.identifications):
        out += [Evidence(SOURCE, f"identification[{index}].{k}", v) for k, v in items]
    out += [Evidence(SOURCE, f"package[{i}].name", name) for i, name in enumerate(found.packages)]
    out += [Evidence(SOURCE, f"descriptive/{ul}", text) for ul, text in found.descriptive]
    return out


def _essence_exr(handle: BinaryIO, found: mxf.MxfScan, problems: list[Problem]) -> list[Evidence]:
    if not exr.is_exr(read_at(handle, found.essence_offset, 4)):
        return []
    frame = Window(handle, found.essence_offset, found.essence_length)
    header = exr.read_header(frame, found.essence_length)  # type: ignore[arg-type]
    for message in header.problems:
        problems.append(as_problem(SOURCE, f"first essence frame (OpenEXR): {message}"))
    return list(header_evidence(header, prefix="essence/"))
