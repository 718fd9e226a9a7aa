"""Broadcast WAV extractor: every field of the `bext` chunk and every element of `iXML`.

The `bext` chunk gives originator, description, coding history, loudness and UMID; the `iXML`
chunk project, scene, take, notes and tracks.

Fields (source `bwf`): `bext.description`, `bext.originator`, `bext.originator_reference`,
`bext.origination_date`, `bext.origination_time`, `bext.time_reference`, `bext.version`,
`bext.umid`, `bext.loudness_*`, `bext.coding_history`; `ixml/<PATH>` (e.g. `ixml/PROJECT`,
`ixml/NOTE`, `ixml/TRACK_LIST/TRACK/NAME`). The RIFF structure's integrity is checked by the
`file` source; an iXML chunk that declares a DTD or entities is refused (fatal: what it says
could not be read).
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import bwf, is_limit, riff
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "bwf"
FORMATS = frozenset({"WAV"})


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
                fields, problem = bwf.ixml_fields(data)
                if problem:
                    refused = problem.startswith("iXML refused")
                    problems.append(Problem(SOURCE, problem, fatal=refused) if refused
                                    else as_problem(SOURCE, problem))  # fmt: skip
            evidence += [Evidence(SOURCE, name, value) for name, value in fields]
    except OSError as exc:
        return read_failed(SOURCE, exc)
    return Extracted(evidence=tuple(evidence), problems=tuple(problems))
