"""DPX and Cineon extractor: the file, image and film/TV industry headers and user data.

Fields (source `dpx`, for both formats): `creator`, `project`, `copyright`, `file_name`,
`creation_time`, `input_device`, `input_device_serial`, `source_file_name`,
`element[N].description`, and when the header declares them the industry fields
(`film.format`, `film.frame_id`, `film.slate_info`, `tv.timecode`), `user_data.id` and
`user_data`; Cineon
adds `label`, `input_device_model`, `creation_date`. Values are the fields' printable text
only (`formats.dpx.clean_text`): padding, 0xFF fill and binary bytes never reach a report.

Integrity (fatal): a header cut short, image data said to start outside the file, or a file
shorter than the size its header declares.
"""

from __future__ import annotations

from typing import BinaryIO

from scanner.discover.media import MediaFile
from scanner.discover.safe_open import file_size
from scanner.extract.formats import dpx
from scanner.extract.interface import Extracted, ExtractOptions, as_problem, read_failed
from scanner.model import Evidence, Problem

SOURCE = "dpx"
FORMATS = frozenset({"DPX", "CINEON"})


def extract(media: MediaFile, handle: BinaryIO, options: ExtractOptions) -> Extracted:
    if media.format not in FORMATS:
        return Extracted()
    try:
        header = dpx.read_header(handle, file_size(handle))
    except OSError as exc:
        return read_failed(SOURCE, exc)
    problems = [as_problem(SOURCE, p) for p in header.problems]
    if header.broken:
        problems.append(Problem(SOURCE, header.broken, fatal=True))
    evidence = tuple(Evidence(SOURCE, name, value) for name, value in header.fields)
    return Extracted(evidence=evidence, problems=tuple(problems))
