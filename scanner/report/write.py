"""Which formats exist and where they are written.

Every writer takes a `ReportSource` (the document's header and its assets, read one at a time)
and a text stream, so a report is never one string in memory; `render` is for whole documents
already in memory (tests, small callers).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from scanner.report.document import ReportSource

Writer = Callable[[ReportSource, TextIO], None]
BASENAME = "provscan"


def writer(fmt: str) -> Writer:
    if fmt == "json":
        from scanner.report.json_report import write_json

        return write_json
    if fmt == "csv":
        from scanner.report.csv_report import write_csv

        return write_csv
    if fmt == "html":
        from scanner.report.html import write_html

        return write_html
    raise ValueError(f"unknown format {fmt!r}")


def write_reports(source: ReportSource, formats: Sequence[str], out_dir: Path) -> list[Path]:
    """provscan.{fmt} in `out_dir` for each format; a report appears whole or not at all."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = out_dir / f"{BASENAME}.{fmt}"
        tmp = target.with_suffix(target.suffix + ".part")
        try:
            # newline="" keeps the writer's own line endings (CSV wants CRLF)
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer(fmt)(source, handle)
            tmp.replace(target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(target)
    return written


def write_stream(fmt: str, source: ReportSource, binary: BinaryIO) -> None:
    """One format to a binary stream (stdout) as UTF-8: the bytes the file would hold."""
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        writer(fmt)(source, text)
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
