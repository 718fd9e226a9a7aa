"""`provscan scan`: scan the delivery, write the reports, print the summary, exit with the gate."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.cli.app import EXIT_CODES_HELP, cli, usage_errors
from scanner.cli.output import emit
from scanner.cli.progress import progress_reporter
from scanner.cli.scan_config import build_config, cache_file_of, load_rules
from scanner.cli.scan_options import (
    delivery_options,
    engine_options,
    reference_options,
    report_options,
    review_options,
    rules_options,
    timeline_options,
)
from scanner.errors import ConfigError

if TYPE_CHECKING:
    from scanner.model import ScanResult
    from scanner.scan import ScanConfig

SUMMARY_ONLY_HINT = (
    "no report written (stdout is a terminal): add --format html -o DIR for the reviewer "
    "report, or --format json for the JSON here"
)


@cli.command(epilog=EXIT_CODES_HELP)
@delivery_options
@rules_options
@timeline_options
@review_options
@reference_options
@engine_options
@report_options
def scan(delivery: Path, **options: Any) -> None:
    """Scan the DELIVERY folder, or one file of it, and gate it.

    On a terminal with no --format or -o, only the summary is printed: what must be fixed and
    PASS, FAIL or INCOMPLETE. Piped or redirected, stdout gets the JSON report.

    \b
    Examples:
      provscan scan ep101/ --approvals register.csv
      provscan scan ep101/ --approvals register.csv --format json --format html -o reports/
      provscan scan ep101/ --approvals register.csv --as-of 2026-11-01 --strict
      provscan scan ep101/ --timeline ep101_lock.edl --timeline-rate 24 --format html -o out/
      provscan scan ep101/final/hero.jpg --root ep101/ --approvals register.csv
      provscan scan ep101/ --approvals register.xlsx --waivers waivers.yaml -o reports/
    """
    if options["cluster"] is None and not os.environ.get("PROVSCAN_CLUSTER"):
        from scanner.engine.worker_start import start_early

        # the workers' readers import while this process imports the scanner
        start_early(cache_file_of(options))
    from scanner.report.document import report_source
    from scanner.report.summary import render_summary
    from scanner.report.write import check_output_folder
    from scanner.scan import gate

    out_dir: Path | None = options["out_dir"]
    quiet: bool = options["quiet"]
    with usage_errors():
        root, only = delivery_target(delivery, options["root"])
        formats = report_formats(options["formats"], out_dir)
        if out_dir is None and len(formats) > 1:
            raise ConfigError("several formats need -o/--output DIR (stdout takes one)")
        rules = load_rules(root, options)  # a bad register or policy: nothing written
        # Everything the scan will write is checked before it starts, not found unwritable
        # at the end: the cache in load_rules, the output folder here.
        if out_dir is not None:
            check_output_folder(out_dir, formats, outside=root)
        config = build_config(rules, options)
        try:
            result = _scan_with_progress(root, config, only, quiet=quiet)
        finally:
            if config.backend is not None:
                config.backend.close()

    with result:  # frees the scan's spool file, also when a writer fails
        source = report_source(result)
        if formats:
            emit(source, formats, out_dir, quiet=quiet)
        strict: bool = options["strict"]
        if not quiet:
            notes = () if formats else (SUMMARY_ONLY_HINT,)
            click.echo(render_summary(source, strict=strict, notes=notes), err=True, nl=False)
        if source.header["summary"]["assets"] == 0:  # an error: shown even with -q
            click.echo(f"provscan: {nothing_found(delivery, source.header)}", err=True)
        code = gate(result, strict=strict)
    sys.exit(code)


def delivery_target(delivery: Path, root: Path | None) -> tuple[Path, Path | None]:
    """(the delivery folder, the one file to scan in it or None for all of it).

    A FILE is placed in the delivery given with --root (default: its own folder): its path in
    the reports, the policy's areas and the register's path globs are relative to that folder,
    as in a scan of the whole delivery, and nothing is written inside it."""
    if delivery.is_dir():
        if root is not None:
            raise ConfigError("--root is for scanning one file: DELIVERY is already a folder")
        return delivery, None
    if root is None:
        return delivery.parent, delivery
    file_parts, root_parts = (Path(os.path.abspath(p)).parts for p in (delivery, root))
    if file_parts[: len(root_parts)] != root_parts:
        raise ConfigError(f"{delivery} is not inside --root {root}")
    return root, delivery


def report_formats(formats: tuple[str, ...], out_dir: Path | None) -> tuple[str, ...]:
    """The formats to write. None asked for: JSON, except to a terminal, which gets only the
    summary (a JSON report with thumbnails is megabytes no one reads there)."""
    if formats:
        return formats
    if out_dir is None and sys.stdout.isatty():
        return ()
    return ("json",)


def nothing_found(delivery: Path, header: dict[str, Any]) -> str:
    """Why a scan found no asset, for the message of its exit 3."""
    if delivery.is_dir():
        return f"no media found in {delivery}: wrong path or unmounted share?"
    from scanner.common.safetext import terminal_safe

    reasons = [str(s.get("reason", "")) for s in header.get("skipped") or []]
    return f"no media found in {delivery}: {terminal_safe('; '.join(reasons)) or 'not scanned'}"


def _scan_with_progress(
    root: Path, config: ScanConfig, only: Path | None, *, quiet: bool
) -> ScanResult:
    from scanner.scan import scan_delivery

    progress, done = progress_reporter(quiet=quiet)
    result = scan_delivery(root, config, progress=progress, only=only)
    done()
    return result
