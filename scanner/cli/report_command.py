"""`provscan report`: re-render a stored JSON scan."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scanner.cli.app import cli, usage_errors
from scanner.cli.output import emit
from scanner.errors import ConfigError, ReportInputError
from scanner.report import FORMATS


@cli.command()
@click.argument("scan_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    required=True,
    type=click.Choice(FORMATS),
    help="Format to render; repeatable.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into. Without it one format goes to stdout.",
)
def report(scan_json: Path, formats: tuple[str, ...], out_dir: Path | None) -> None:
    """Re-render a stored JSON scan (SCAN_JSON) as HTML, CSV or JSON.

    \b
    Example:
      provscan report out/provscan.json --format html --format csv -o review/
    """
    from scanner.report.document import from_document, report_source
    from scanner.report.write import check_output_folder

    with usage_errors():
        if out_dir is None and len(formats) > 1:
            raise ConfigError("several formats need -o/--output DIR (stdout takes one)")
        try:
            raw = json.loads(scan_json.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReportInputError(f"{scan_json}: not JSON: {exc}") from exc
        source = report_source(from_document(raw))
        if out_dir is not None:
            check_output_folder(out_dir, formats)
    emit(source, formats, out_dir)
