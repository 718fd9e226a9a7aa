"""Broadcast WAV extractor: every field of the `bext` chunk and every element of `iXML`.

The `bext` chunk gives originator, description, coding history, loudness and UMID; the `iXML`
chunk project, scene, take, notes and tracks.

Fields (source `bwf`): `bext.description`, `bext.originator`, `bext.originator_reference`,
`bext.origination_date`, `bext.origination_time`, `bext.time_reference`, `bext.version`,
`bext.umid`, `bext.loudness_*`, `bext.coding_history`; `ixml/<PATH>` (e.g. `ixml/PROJECT`,
`ixml/NOTE`, `ixml/TRACK_LIST/TRACK/NAME`). The RIFF structure's integrity is checked by the
`file` source; an iXML chunk that declares a DTD or entities is refused (fatal: what it says
could not be read). An iXML chunk that is not well-formed is read as text without parsing
(`xmp.loose_markup`: the same `ixml/<PATH>` fields, so the rules still see a generator or its
parameters) and the Problem is incomplete: the asset is not-inspected, never plainly clean.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import bwf, is_limit, riff
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.extract.xmp import UNPARSED, loose_markup
from scanner.model import Evidence, Problem

SOURCE = "bwf"
FORMATS = frozenset({"WAV"})
# How `formats.bwf.ixml_fields` begins its problems.
REFUSED = "iXML refused"
NOT_WELL_FORMED = "iXML is not well-formed XML"

Fields = list[tuple[str, str]]


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    evidence: list[Evidence] = []
    problems: list[Problem] = []
    try:
        scan = riff.scan(handle, file_size(handle))
        problems += [as_problem(SOURCE, p) for p in scan.problems if is_limit(p)]
        for chunk in scan.chunks:
            if chunk.fourcc not in (b"bext", b"iXML"):
                continue
            data, cut = riff.chunk_data(handle, chunk)
            if cut:
                problems.append(as_problem(SOURCE, cut))
            if chunk.fourcc == b"bext":
                fields = bwf.bext_fields(data)
            else:
                fields, problem = _ixml(data)
                problems += [problem] if problem else []
            evidence += [Evidence(SOURCE, name, value) for name, value in fields]
    except OSError as exc:
        return read_failed(SOURCE, exc)
    return Extracted(evidence=tuple(evidence), problems=tuple(problems))


def _ixml(data: bytes) -> tuple[Fields, Problem | None]:
    """The iXML chunk's fields and its problem: refused (fatal), not well-formed (read as
    text, incomplete), a limit (incomplete)."""
    fields, problem = bwf.ixml_fields(data)
    if not problem:
        return fields, None
    if problem.startswith(REFUSED):
        return fields, Problem(SOURCE, problem, fatal=True)
    if problem.startswith(NOT_WELL_FORMED):
        unparsed = Problem(SOURCE, f"{problem}: {UNPARSED}", incomplete=True)
        return _loose_ixml(data), unparsed
    return fields, as_problem(SOURCE, problem)


def _loose_ixml(data: bytes) -> Fields:
    """`ixml/<PATH>` (below the root element) of every text of an iXML chunk read unparsed."""
    out = []
    for path, attribute, value in loose_markup(data, bwf.MAX_ELEMENTS):
        field = "/".join(("ixml", *path[1:], *([f"@{attribute}"] if attribute else [])))
        out.append((field, value))
    return out
