"""`provscan scan`: scan the delivery, write the reports, print the summary, exit with the gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.cli.app import EXIT_CODES_HELP, cli, usage_errors
from scanner.cli.output import emit
from scanner.cli.scan_config import build_config, load_rules
from scanner.cli.scan_options import (
    delivery_options,
    engine_options,
    reference_options,
    report_options,
    review_options,
    rules_options,
)
from scanner.errors import ConfigError

if TYPE_CHECKING:
    from scanner.model import ScanResult
    from scanner.scan import ScanConfig


@cli.command(epilog=EXIT_CODES_HELP)
@delivery_options
@rules_options
@review_options
@reference_options
@engine_options
@report_options
def scan(delivery: Path, **options: Any) -> None:
    """Scan the DELIVERY folder and gate it.

    \b
    Examples:
      provscan scan ep101/ --approvals register.csv --format json --format html -o reports/
      provscan scan ep101/ --approvals register.csv --as-of 2026-11-01 --strict
      provscan scan ep101/ --approvals register.xlsx --waivers waivers.yaml -o reports/
    """
    from scanner.report.document import report_source
    from scanner.report.summary import render_summary
    from scanner.report.write import check_output_folder
    from scanner.scan import gate

    formats: tuple[str, ...] = options["formats"] or ("json",)
    out_dir: Path | None = options["out_dir"]
    quiet: bool = options["quiet"]
    with usage_errors():
        if out_dir is None and len(formats) > 1:
            raise ConfigError("several formats need -o/--output DIR (stdout takes one)")
        rules = load_rules(delivery, options)  # a bad register or policy: nothing written
        # Everything the scan will write is checked before it starts, not found unwritable
        # at the end: the cache in load_rules, the output folder here.
        if out_dir is not None:
            check_output_folder(out_dir, formats, outside=delivery)
        config = build_config(rules, options)
        result = _scan_with_progress(delivery, config, show=not quiet)

    with result:  # frees the scan's spool file, also when a writer fails
        source = report_source(result)
        emit(source, formats, out_dir)
        if not quiet:
            click.echo(render_summary(source), err=True, nl=False)
        code = gate(result, strict=options["strict"])
    sys.exit(code)


def _scan_with_progress(delivery: Path, config: ScanConfig, *, show: bool) -> ScanResult:
    from scanner.scan import scan_delivery

    if not (show and sys.stderr.isatty()):
        return scan_delivery(delivery, config)

    from scanner.common.safetext import terminal_safe

    def progress(done: int, total: int, path: str) -> None:
        safe = terminal_safe(path)
        shown = safe if len(safe) <= 60 else "…" + safe[-59:]
        click.echo(f"\r\x1b[Kscanning {done}/{total} {shown}", err=True, nl=False)

    result = scan_delivery(delivery, config, progress=progress)
    click.echo("\r\x1b[K", err=True, nl=False)
    return result
