"""`provscan scan`: build the scan's configuration from the options, scan, report, gate."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli.app import EXIT_CODES_HELP, cli, parse_date, usage_errors
from scanner.cli.output import emit
from scanner.errors import ConfigError
from scanner.report import FORMATS

if TYPE_CHECKING:
    from scanner.engine.bounds import Limits
    from scanner.fingerprint.library import Library
    from scanner.model import ScanResult
    from scanner.scan import ScanConfig


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("delivery", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--approvals",
    "approvals_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Approvals register (CSV, YAML or JSON).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Delivery policy file, outside the delivery (default: the user's "
    "~/.config/provscan/policy.toml, else the site's /etc/xdg/provscan/policy.toml, else "
    "everything is final).",
)
@click.option(
    "--policy-from-delivery",
    is_flag=True,
    help="Honour provscan.toml at the delivery root: the vendor's own policy (the reports say "
    "so). Without it no policy is read from inside the delivery.",
)
@click.option(
    "--as-of",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Judge approvals on this date (default: today).",
)
@click.option("--strict", is_flag=True, help="Assets needing review fail the gate too (exit 1).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Report format; repeat for several (default: json).",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for provscan.{json,csv,html}. Without it one format goes to stdout.",
)
@click.option(
    "--trust-anchors",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM trust anchors: C2PA signers chaining to them count as 'trusted'.",
)
@click.option(
    "--known-ai",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of the production's generated/temp material, matched by fingerprint.",
)
@click.option(
    "--archive-source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of original archival scans the archival area must match.",
)
@click.option("--follow-links", is_flag=True, help="Follow symlinks (never outside the delivery).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Incremental cache file (default: in the user's cache folder).",
)
@click.option("--no-cache", is_flag=True, help="Read every file again; use no cache.")
@click.option("--no-fingerprints", is_flag=True, help="Skip perceptual hashes and thumbnails.")
@click.option(
    "--time-bound",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Per-asset analysis time bound, flat (default: 120 s + 60 s per GiB of file).",
)
@click.option(
    "--memory-bound",
    type=click.IntRange(min=256),
    default=None,
    metavar="MIB",
    help="Per-asset analysis memory bound in MiB (default 1024).",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress on stderr.")
def scan(
    delivery: Path,
    approvals_file: Path | None,
    policy_file: Path | None,
    policy_from_delivery: bool,
    as_of: date | None,
    strict: bool,
    formats: tuple[str, ...],
    out_dir: Path | None,
    trust_anchors: Path | None,
    known_ai: Path | None,
    archive_source: Path | None,
    follow_links: bool,
    jobs: int | None,
    cache_path: Path | None,
    no_cache: bool,
    no_fingerprints: bool,
    time_bound: float | None,
    memory_bound: int | None,
    quiet: bool,
) -> None:
    """Scan the DELIVERY folder and gate it.

    \b
    Examples:
      provscan scan ep101/ --approvals register.csv --format json --format html -o reports/
      provscan scan ep101/ --approvals register.csv --as-of 2026-11-01 --strict
    """
    from scanner.approvals import load_register
    from scanner.engine.cache import default_cache_path
    from scanner.engine.libraries import load_references
    from scanner.policy.load import load_policy
    from scanner.report.document import report_source
    from scanner.report.summary import render_summary
    from scanner.report.write import check_output_folder
    from scanner.scan import ScanConfig, gate

    formats = formats or ("json",)
    with usage_errors():
        if out_dir is None and len(formats) > 1:
            raise ConfigError("several formats need -o/--output DIR (stdout takes one)")
        register = load_register(approvals_file) if approvals_file else None
        policy = load_policy(delivery, policy_file, from_delivery=policy_from_delivery)
        # Everything the scan will write is checked now, not found unwritable at the end.
        cache_file = None if no_cache else (cache_path or default_cache_path())
        if cache_file is not None:
            _refuse_cache_inside(delivery, cache_file, given=cache_path is not None)
        if out_dir is not None:
            check_output_folder(out_dir, formats, outside=delivery)
        workers = jobs or os.cpu_count() or 1
        limits = _limits(time_bound, memory_bound)
        references = None
        if register is not None and any(a.reference for a in register.approvals):
            # a bad reference image is a register error: exit 2 before anything is scanned
            references = load_references(register, jobs=workers, limits=limits)
        libraries = {
            name: _load_library(folder, name, workers, limits, quiet)
            for name, folder in (("--known-ai", known_ai), ("--archive-source", archive_source))
            if folder is not None
        }
        config = ScanConfig(
            policy=policy,
            as_of=as_of or date.today(),
            register=register,
            trust_anchors_pem=_read_pem(trust_anchors) if trust_anchors else "",
            follow_links=follow_links,
            fingerprints=not no_fingerprints,
            known_ai=libraries.get("--known-ai"),
            archive_source=libraries.get("--archive-source"),
            references=references,
            jobs=workers,
            cache_path=cache_file,
            limits=limits,
        )
        result = _scan_with_progress(delivery, config, show=not quiet)

    with result:  # frees the scan's spool file, also when a writer fails
        source = report_source(result)
        emit(source, formats, out_dir)
        if not quiet:
            click.echo(render_summary(source), err=True, nl=False)
        code = gate(result, strict=strict)
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


def _limits(time_bound: float | None, memory_bound: int | None) -> Limits | None:
    from scanner.engine.bounds import Limits

    if time_bound is None and memory_bound is None:
        return None
    default = Limits()
    return Limits(
        time_s=time_bound if time_bound is not None else default.time_s,
        time_per_gib_s=0.0 if time_bound is not None else default.time_per_gib_s,
        memory_bytes=memory_bound * 1024 * 1024 if memory_bound else default.memory_bytes,
    )


def _load_library(
    folder: Path, option: str, jobs: int, limits: Limits | None, quiet: bool
) -> Library:
    from scanner.common.safetext import terminal_safe
    from scanner.engine.libraries import build_library

    library = build_library(folder, jobs=jobs, limits=limits)
    if not quiet:
        click.echo(
            f"{option} {terminal_safe(str(folder))}: {library.files} media files, "
            f"{len(library.items)} fingerprints",
            err=True,
        )
        for path, problem in library.problems:
            click.echo(
                f"  {option} {terminal_safe(path)}: {terminal_safe(problem.message)}", err=True
            )
    return library


def _refuse_cache_inside(delivery: Path, cache_file: Path, *, given: bool) -> None:
    from scanner.common.paths import is_within

    if not is_within(cache_file, delivery):
        return
    where = "" if given else " (the default, from XDG_CACHE_HOME or the user's cache folder)"
    raise ConfigError(
        f"cache file {cache_file}{where} is inside the delivery: provscan never writes there; "
        "give --cache PATH outside it, or --no-cache"
    )


def _read_pem(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ConfigError(f"{path}: no PEM certificate found")
    return text
