"""The cut as CSV (`provscan-cut.csv`): one row per timeline event, beside `provscan.csv`.

Written when the scan had timelines or IMF compositions, for the supervisor who signs the
cut off.

Column order is a contract (docs/csv.md). Cells are neutralised as in `provscan.csv`: every
name in a timeline is the editor's or the vendor's text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, TextIO

from scanner.report.csv_report import BOM, JOIN, neutralise
from scanner.report.document import ReportSource, source_of_document

COLUMNS = (
    "timeline",
    "kind",
    "track",
    "event",
    "line",
    "clip",
    "reel",
    "media",
    "record_in",
    "record_out",
    "source_in",
    "source_out",
    "status",
    "reasons",
    "ai",
    "approval",
    "assets",
    "resolved_by",
    "resolution",
    "known_ai",
    "notes",
)


def has_cut(header: dict[str, Any]) -> bool:
    """True when the document holds timelines (or compositions) to write a row of."""
    return bool(header.get("timelines"))


def event_rows(header: dict[str, Any]) -> Iterator[list[str | int]]:
    for timeline in header.get("timelines") or []:
        if not isinstance(timeline, dict):
            continue
        for event in timeline.get("events") or []:
            if isinstance(event, dict):
                yield _row(timeline, event)


def _row(timeline: dict[str, Any], event: dict[str, Any]) -> list[str | int]:
    def text(value: Any) -> str:
        return JOIN.join(map(str, value)) if isinstance(value, list) else str(value or "")

    line = event.get("line")
    cells: dict[str, str | int] = {
        "timeline": text(timeline.get("source")),
        "kind": text(timeline.get("kind")),
        "line": line if isinstance(line, int) and not isinstance(line, bool) and line else "",
        **{key: text(event.get(key)) for key in COLUMNS if key not in ("timeline", "kind", "line")},
    }
    return [v if isinstance(v, int) else neutralise(v) for v in (cells[c] for c in COLUMNS)]


def write_cut_csv(source: ReportSource, stream: TextIO) -> None:
    """BOM, header, one row per event of every timeline, in document order (CRLF rows)."""
    stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(event_rows(source.header))


def render_cut_csv(doc: dict[str, Any]) -> str:
    buffer = io.StringIO(newline="")
    write_cut_csv(source_of_document(doc), buffer)
    return buffer.getvalue()
