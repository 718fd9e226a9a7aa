"""The `provscan` command group, its entry point, and the one place library errors become exits.

Library errors (ScannerError and kinds) become usage errors (exit 2) in `usage_errors`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click

from scanner import __version__
from scanner.errors import ScannerError

EXIT_USAGE = 2


class UsageFailure(click.ClickException):
    exit_code = EXIT_USAGE


@contextmanager
def usage_errors() -> Iterator[None]:
    try:
        yield
    except ScannerError as exc:
        raise UsageFailure(str(exc)) from exc


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  provscan scan /deliveries/ep101 --approvals register.csv --format html --format json -o out/
  provscan scan /deliveries/ep101 --approvals register.yaml --strict --format json > scan.json
  provscan approvals check register.csv
  provscan report out/provscan.json --format html -o out/
  provscan rules
""",
)
@click.version_option(__version__, prog_name="provscan")
def cli() -> None:
    """Asset provenance scanner for media deliveries.

    Reads every image, video and audio file's provenance (C2PA content credentials, XMP/IPTC,
    EXIF, PNG/WebP text chunks, container tags), flags generative-AI material, checks it against
    the register of approved gen-AI requests and the delivery policy, and reports.

    Exit codes: 0 delivery passes, 1 violation (or review with --strict), 2 usage, config or
    register error, 3 no violation but some assets could not be read.
    """


def main() -> None:
    import logging

    # Library warnings (e.g. a damaged cache file set aside) reach the user, prefixed.
    logging.basicConfig(format="provscan: %(message)s", level=logging.WARNING)
    cli()
