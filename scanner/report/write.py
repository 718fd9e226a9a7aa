"""Which formats exist and where they are written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scanner.report.json_report import render_json, write_json

Renderer = Callable[[dict[str, Any]], str]
FORMATS = ("json", "csv", "html")
BASENAME = "provscan"


def renderer(fmt: str) -> Renderer:
    if fmt == "json":
        return render_json
    if fmt == "csv":
        from scanner.report.csv_report import render_csv

        return render_csv
    if fmt == "html":
        from scanner.report.html import render_html

        return render_html
    raise ValueError(f"unknown format {fmt!r}")


def write_reports(doc: dict[str, Any], formats: Sequence[str], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = out_dir / f"{BASENAME}.{fmt}"
        tmp = target.with_suffix(target.suffix + ".part")
        # newline="" keeps the renderer's own line endings (CSV wants CRLF)
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            if fmt == "json":
                write_json(doc, handle)  # streamed: the same bytes without one big string
            else:
                handle.write(renderer(fmt)(doc))
        tmp.replace(target)
        written.append(target)
    return written
