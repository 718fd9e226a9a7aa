"""MXF extractor: every Identification set, package names, DM text, ACES frames' EXR header.

An Identification set is appended by each tool that wrote or re-wrapped the file.

Fields (source `mxf`): `identification[N].company_name`, `.product_name`, `.version_string`,
`.product_version`, `.toolkit_version`, `.platform`, `.modification_date`, `.product_uid`,
`.generation_uid` (N from 0 in file order: 0 made the file, the last re-wrapped it last);
`package[N].name`; `descriptive/<item UL>` for descriptive metadata text. MediaInfo's own
reading (the `container` source) stays: it shows only the last Identification set.

ACES (IMF App 5) track files wrap one OpenEXR per frame, which FFmpeg cannot demux; every
frame's header is read with the EXR reader (a prompt hidden in the 5,000th frame counts), each
distinct attribute value once as evidence named `essence/<attribute>` (values that differ only
in their digits, such as a time code, once).
"""

from __future__ import annotations

import re
from itertools import chain
from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.exr import header_evidence
from scanner.extract.formats import exr, is_limit, mxf
from scanner.extract.formats.binio import read_at
from scanner.extract.formats.window import Window
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, limit, read_failed
from scanner.model import Evidence, Problem

SOURCE = "mxf"
FORMATS = frozenset({"MXF"})
# An ACES reel of two hours at 24 fps is 172,800 frames, each a KLV (with index and fill between)
MAX_ESSENCE_KLVS = 2_000_000
MAX_ESSENCE_VALUES = 20_000  # distinct (attribute, value) pairs over every frame's header
MAX_FRAME_PROBLEMS = 16
_DIGITS = re.compile(r"\d+")
ESSENCE_VALUES_CUT = (
    f"more than {MAX_ESSENCE_VALUES:,} distinct EXR header values over the essence frames: the "
    "later frames' headers were not read"
)


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        size = file_size(handle)
        found = mxf.scan(handle, size)
        evidence = _evidence(found)
        problems = [_problem(p) for p in found.problems]
        if found.essence_offset >= 0:
            evidence += _essence_exr(handle, found, size, problems)
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


def _essence_exr(
    handle: BinaryIO, found: mxf.MxfScan, size: int, problems: list[Problem]
) -> list[Evidence]:
    """Every frame's EXR header: what any frame holds is evidence once, naming no frame; a
    value that differs from one kept only in its digits (a time code, a frame number) is that
    value again. An essence element that is not an OpenEXR (another track, or a frame hidden
    from this reader) is not read, and says so."""
    if not exr.is_exr(read_at(handle, found.essence_offset, 4)):
        return []
    evidence: dict[Evidence, None] = {}
    shapes: set[tuple[str, str]] = set()
    messages: dict[str, bool] = {}  # text -> incomplete (the frame's reading hit a limit)
    other = 0
    frames = [(found.essence_offset, found.essence_length)]
    for index, element in enumerate(
        chain(frames, mxf.later_essence(handle, found, size, MAX_ESSENCE_KLVS))
    ):
        if isinstance(element, str):
            problems.append(_problem(element))
            break
        if not exr.is_exr(read_at(handle, element[0], 4)):
            other += 1
            continue
        header = exr.read_header(Window(handle, *element), element[1])  # type: ignore[arg-type]
        for message in header.problems:
            text = f"essence frame {index + 1} (OpenEXR): {message}"
            messages.setdefault(text, is_limit(message))
        for item in header_evidence(header, prefix="essence/"):
            shape = (item.field, _DIGITS.sub("#", item.value))
            if shape in shapes:
                continue
            if len(evidence) >= MAX_ESSENCE_VALUES:
                problems.append(limit(SOURCE, ESSENCE_VALUES_CUT))
                return list(evidence)
            shapes.add(shape)
            evidence.setdefault(item)
    if other:
        problems.append(limit(SOURCE, f"{other:,} essence elements are not OpenEXR: not read"))
    listed = [Problem(SOURCE, text, incomplete=cut) for text, cut in messages.items()]
    problems += listed[:MAX_FRAME_PROBLEMS]
    if len(listed) > MAX_FRAME_PROBLEMS:  # the rest counted, with their weight
        more = listed[MAX_FRAME_PROBLEMS:]
        text = f"{len(more):,} more essence frame problems, not listed"
        problems.append(
            limit(SOURCE, text) if any(p.incomplete for p in more) else as_problem(SOURCE, text)
        )
    return list(evidence)
