"""Writing reports where the user asked: files in the output folder, or one format to stdout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scanner.report.document import ReportSource


def emit(
    source: ReportSource, formats: tuple[str, ...], out_dir: Path | None, *, quiet: bool = False
) -> None:
    from scanner.report.write import write_reports, write_stream

    if out_dir is None:
        sys.stdout.flush()
        write_stream(formats[0], source, sys.stdout.buffer)  # the bytes a file would hold
        return
    for path in write_reports(source, formats, out_dir):
        if not quiet:
            click.echo(f"wrote {path}", err=True)
